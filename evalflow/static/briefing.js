/* Live counters of the office's control panel and big screen (templates/office/_briefing_live.html).
   Every 2.5 s: GET the live JSON with If-None-Match; 304 costs nothing, 200 updates the numbers in
   place. When the current presentation or its status changes (opened, closed, countdown ran out),
   the page is loaded again so its buttons match. The countdown ticks locally between refreshes,
   corrected by the server's clock (the Date header). */
(function () {
  "use strict";
  var root = document.getElementById("live");
  if (!root || !window.fetch) { return; }
  var url = root.getAttribute("data-url");
  var etag = null;
  var skew = 0; // server clock − local clock, in ms
  var countdown = document.getElementById("live-countdown");
  var closesAt = countdown ? Date.parse(countdown.getAttribute("data-closes-at") || "") : NaN;

  function text(id, value) {
    var el = document.getElementById(id);
    if (el) { el.textContent = String(value); }
  }

  function render(data) {
    var cur = data.current;
    var status = cur ? cur.status : "";
    var unit = cur ? String(cur.unit_id) : "";
    if (status !== root.getAttribute("data-status") || unit !== root.getAttribute("data-unit")) {
      window.location.reload();
      return;
    }
    if (!cur) { return; }
    text("live-ballots", cur.ballots);
    text("live-expected", cur.expected);
    text("agenda-count-" + cur.unit_id, cur.ballots + " / " + cur.expected);
    var bar = document.getElementById("live-bar");
    if (bar) { bar.max = cur.expected || 1; bar.value = cur.ballots; }
    data.by_role.forEach(function (r) { text("live-role-" + r.role, r.ballots + " / " + r.expected); });
    var list = document.getElementById("live-missing");
    if (list) {
      list.textContent = "";
      data.missing.forEach(function (m) {
        var li = document.createElement("li");
        li.textContent = m.unit_name + " · " + (root.getAttribute("data-role-" + m.role) || m.role) + " · " + m.name;
        list.appendChild(li);
      });
      if (!data.missing.length) {
        var done = document.createElement("li");
        done.className = "muted";
        done.textContent = root.getAttribute("data-msg-none");
        list.appendChild(done);
      }
      text("live-missing-count", data.missing.length);
    }
    closesAt = cur.closes_at && cur.status === "open" ? Date.parse(cur.closes_at) : NaN;
  }

  function refresh() {
    var headers = etag ? { "If-None-Match": etag } : {};
    fetch(url, { headers: headers, cache: "no-store", credentials: "same-origin" })
      .then(function (r) {
        var date = Date.parse(r.headers.get("Date") || "");
        if (!isNaN(date)) { skew = date - Date.now(); }
        if (r.status === 304 || !r.ok) { return null; }
        etag = r.headers.get("ETag");
        return r.json();
      })
      .then(function (data) { if (data) { render(data); } })
      .catch(function () { /* the next refresh tries again */ });
  }

  function tick() {
    if (!countdown) { return; }
    if (isNaN(closesAt)) { countdown.hidden = true; return; }
    var left = Math.max(0, Math.round((closesAt - Date.now() - skew) / 1000));
    countdown.hidden = false;
    countdown.textContent = root.getAttribute("data-msg-left") + " " + Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
    if (left === 0) { refresh(); }
  }

  window.setInterval(refresh, 2500);
  window.setInterval(tick, 1000);
  tick();
})();
