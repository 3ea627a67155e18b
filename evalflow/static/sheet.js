/* The reviewer's 材料审核 sheet, saved as it goes: every change of a leaf's mark or comment is sent at
   once as one PUT of that leaf to the API (the same use case as the plain form), and the state line
   says "已保存" or why not. Enter moves on to the next leaf (Ctrl+Enter in a comment). Without this
   script the form posts every field at once. */
(function () {
  "use strict";
  var form = document.getElementById("sheet-form");
  if (!form || !form.getAttribute("data-api")) { return; }
  var state = document.getElementById("save-state");
  var csrf = form.querySelector("input[name=csrf_token]");
  var timers = {};

  function say(kind, text) {
    state.className = "save-state sheet-status " + kind;
    state.textContent = text;
  }
  function now() {
    var d = new Date();
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2) + ":" + ("0" + d.getSeconds()).slice(-2);
  }
  function leafErrors(leaf, messages) {
    var box = leaf.querySelector(".leaf-errors");
    box.textContent = "";
    messages.forEach(function (text) {
      var p = document.createElement("p");
      p.className = "error";
      p.textContent = text;
      box.appendChild(p);
    });
  }

  /* The body that saves one leaf's mark (and its comment when *withComment*), or an error text. */
  function body(leaf, withComment) {
    var code = leaf.getAttribute("data-code"), out = {};
    var score = leaf.querySelector("[data-kind=score]");
    var grades = leaf.querySelector("fieldset[data-kind=grade]");
    var found = leaf.querySelector("fieldset[data-kind=found]");
    if (score) {
      var text = score.value.trim();
      if (text && !/^\d+(\.\d+)?$/.test(text)) { return state.getAttribute("data-number"); }
      out.scores = {};
      out.scores[code] = text ? Number(text) : null;
    } else if (grades) {
      var checked = grades.querySelector("input:checked");
      if (checked && checked.value) { out.grades = {}; out.grades[code] = checked.value; }
      else { out.scores = {}; out.scores[code] = null; }
    } else if (found) {
      var boxes = Array.prototype.filter.call(found.querySelectorAll("input:checked"), function () { return true; });
      if (!boxes.length) { out.scores = {}; out.scores[code] = null; }
      else {
        out.found = {};
        out.found[code] = boxes.map(function (b) { return b.value; }).filter(function (v) { return v !== "__none__"; });
      }
    }
    if (withComment) {
      out.comments = {};
      out.comments[code] = leaf.querySelector("[data-kind=comment]").value;
    }
    return out;
  }

  function save(leaf, withComment) {
    var payload = body(leaf, withComment);
    if (typeof payload === "string") {
      leafErrors(leaf, [payload]);
      say("failed", state.getAttribute("data-failed") + " " + payload);
      return;
    }
    say("saving", state.getAttribute("data-saving"));
    fetch(form.getAttribute("data-api"), {
      method: "PUT",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf ? csrf.value : "" },
      body: JSON.stringify(payload)
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, status: response.status, data: data }; });
    }).then(function (result) {
      if (result.ok) {
        leafErrors(leaf, []);
        say("saved", state.getAttribute("data-saved") + " " + now());
        return;
      }
      var error = result.data.error || {}, messages = [];
      Object.keys(error.fields || {}).forEach(function (key) { messages = messages.concat(error.fields[key]); });
      leafErrors(leaf, messages.length ? messages : [error.message || ""]);
      say("failed", state.getAttribute("data-failed") + " " + (error.message || ""));
      if (result.status === 409) {
        Array.prototype.forEach.call(form.querySelectorAll("input, textarea, button"), function (el) {
          if (el.name !== "csrf_token") { el.disabled = true; }
        });
      }
    }).catch(function () {
      say("failed", state.getAttribute("data-failed"));
    });
  }

  function leafOf(el) { return el.closest ? el.closest(".leaf") : null; }

  form.addEventListener("change", function (event) {
    var leaf = leafOf(event.target);
    if (!leaf) { return; }
    var isComment = event.target.getAttribute("data-kind") === "comment";
    if (event.target.type === "checkbox" && event.target.value === "__none__" && event.target.checked) {
      Array.prototype.forEach.call(leaf.querySelectorAll("fieldset[data-kind=found] input"), function (box) {
        if (box !== event.target) { box.checked = false; }
      });
    } else if (event.target.type === "checkbox" && event.target.checked) {
      var none = leaf.querySelector("fieldset[data-kind=found] input[value=__none__]");
      if (none) { none.checked = false; }
    }
    clearTimeout(timers[leaf.id]);
    save(leaf, isComment);
  });
  form.addEventListener("input", function (event) {
    var leaf = leafOf(event.target);
    if (!leaf || event.target.getAttribute("data-kind") !== "comment") { return; }
    clearTimeout(timers[leaf.id]);
    timers[leaf.id] = setTimeout(function () { save(leaf, true); }, 1200);
  });

  /* Enter: the next leaf's first field (its mark), so a whole sheet is filled from the keyboard. */
  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.isComposing) { return; }
    var target = event.target, leaf = leafOf(target);
    if (!leaf || target.tagName === "BUTTON") { return; }
    if (target.tagName === "TEXTAREA" && !(event.ctrlKey || event.metaKey)) { return; }
    event.preventDefault();
    target.dispatchEvent(new Event("change", { bubbles: true }));
    var leaves = Array.prototype.slice.call(form.querySelectorAll(".leaf"));
    var next = leaves[leaves.indexOf(leaf) + 1];
    var focus = next ? next.querySelector("input:checked, input[data-kind=score], input, textarea")
                     : form.querySelector("button[type=submit]");
    if (focus) { focus.focus(); }
  });
})();
