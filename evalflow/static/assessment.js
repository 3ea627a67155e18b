/* The 测评体系 editor: add, remove, indent and outdent items; live totals per level-1 item, per method and
   per kind; the 500-字 counter of each criteria box. Progressive enhancement only: without this script
   the table is a plain form (上级编码 typed by hand, blank rows to fill in) and the server checks
   everything again with the same rules as the workbook import. */
(function () {
  "use strict";
  var table = document.getElementById("tree-table");
  if (!table) { return; }
  document.documentElement.classList.add("js");
  var template = document.getElementById("item-template");

  function items() { return Array.prototype.slice.call(table.querySelectorAll("tbody.item")); }
  function field(item, name) { return item.querySelector("[name=" + name + "]"); }
  function value(item, name) { var f = field(item, name); return f ? f.value.trim() : ""; }
  function cents(text) {
    if (!/^\d+(\.\d{1,2})?$/.test(text)) { return null; }
    return Math.round(parseFloat(text) * 100);
  }
  function shown(c) { return String(c / 100); }

  function index() {
    var byCode = {};
    items().forEach(function (item) {
      var code = value(item, "code").toLowerCase();
      if (code && !byCode[code]) { byCode[code] = item; }
    });
    return byCode;
  }

  function ancestry(item, byCode) {
    var chain = [item], current = item;
    for (var i = 0; i < 4; i += 1) {
      var parent = byCode[value(current, "parent").toLowerCase()];
      if (!value(current, "parent") || !parent || chain.indexOf(parent) >= 0) { break; }
      chain.push(parent);
      current = parent;
    }
    return chain;
  }

  function label(key) {
    var span = document.querySelector("#total-labels [data-key=" + key + "]");
    return span ? span.textContent : key;
  }

  function row(body, name, amount) {
    var tr = document.createElement("tr"), th = document.createElement("th"), td = document.createElement("td");
    th.scope = "row";
    th.textContent = name;
    td.textContent = shown(amount);
    tr.appendChild(th);
    tr.appendChild(td);
    body.appendChild(tr);
  }

  function fill(id, rows) {
    var body = document.getElementById(id);
    if (!body) { return; }
    body.textContent = "";
    rows.forEach(function (r) { row(body, r[0], r[1]); });
  }

  function recompute() {
    var byCode = index(), sums = new Map(), roots = [], methods = {}, kinds = { total: 0, bonus: 0, deduction: 0 };
    items().forEach(function (item) {
      var chain = ancestry(item, byCode), root = chain[chain.length - 1];
      item.setAttribute("data-level", String(Math.min(chain.length, 3)));
      if (chain.length === 1 && value(item, "code")) { roots.push(item); }
      var points = cents(value(item, "points"));
      var method = value(item, "method");
      if (!method || points === null) { return; }
      chain.slice(1).forEach(function (up) { sums.set(up, (sums.get(up) || 0) + points); });
      sums.set(item, points);
      var kind = value(root, "kind") || "base";
      kinds[kind === "base" ? "total" : kind] += points;
      if (kind === "base") { methods[method] = (methods[method] || 0) + points; }
    });
    items().forEach(function (item) {
      var points = field(item, "points");
      if (points && !value(item, "method")) { points.placeholder = sums.has(item) ? shown(sums.get(item)) : ""; }
    });
    fill("totals-items", roots.map(function (r) { return [value(r, "code") + " " + value(r, "title"), sums.get(r) || 0]; }));
    fill("totals-methods", Object.keys(methods).map(function (m) { return [label(m), methods[m]]; }));
    fill("totals-kinds", [[label("total"), kinds.total], [label("bonus"), kinds.bonus], [label("deduction"), kinds.deduction]]);
  }

  function count(area) {
    var out = area.parentNode.querySelector(".count");
    if (out) { out.textContent = String(area.value.length); }
  }

  function previousAtLevel(item, level) {
    var list = items(), i = list.indexOf(item) - 1;
    for (; i >= 0; i -= 1) {
      var l = Number(list[i].getAttribute("data-level") || "1");
      if (l === level) { return list[i]; }
      if (l < level) { return null; }
    }
    return null;
  }

  function act(item, action) {
    var level = Number(item.getAttribute("data-level") || "1");
    var byCode = index();
    if (action === "indent" && level < 3) {
      var sibling = previousAtLevel(item, level);
      if (sibling && value(sibling, "code")) { field(item, "parent").value = value(sibling, "code"); }
    } else if (action === "outdent" && level > 1) {
      var parent = byCode[value(item, "parent").toLowerCase()];
      field(item, "parent").value = parent ? value(parent, "parent") : "";
    } else if (action === "add" && template) {
      var fresh = template.content.firstElementChild.cloneNode(true);
      item.parentNode.insertBefore(fresh, item.nextSibling);
      field(fresh, "parent").value = value(item, "parent");
      field(fresh, "code").focus();
    } else if (action === "remove") {
      item.parentNode.removeChild(item);
    }
    recompute();
  }

  table.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-act]");
    if (!button) { return; }
    act(button.closest("tbody.item"), button.getAttribute("data-act"));
  });
  table.addEventListener("input", function (event) {
    if (event.target.classList.contains("criteria")) { count(event.target); }
    recompute();
  });
  table.addEventListener("change", recompute);
  var add = document.getElementById("add-item");
  if (add && template) {
    add.addEventListener("click", function () {
      var fresh = template.content.firstElementChild.cloneNode(true);
      table.appendChild(fresh);
      field(fresh, "code").focus();
      recompute();
    });
  }
  recompute();
})();
