/* The delegate's ballot page (templates/seat/landing.html). Progressive enhancement only: without
   this file the grade buttons post a plain form.
   - A tap sends PUT /api/v1/campaigns/<cid>/ballots/<unit> with the seat token (from the URL) as
     bearer token. The ballot is idempotent, so a failed send is retried with back-off until the
     server answers; a newer tap replaces a pending one. The status line always says whether the
     grade is recorded.
   - Every 2.5 s the page asks /briefing/current (ETag, 304 when nothing changed) and reloads itself
     when the office opens or closes a presentation. */
(function () {
  "use strict";
  var root = document.getElementById("ballot");
  if (!root || !window.fetch) { return; }
  var token = root.getAttribute("data-token");
  var api = "/api/v1/campaigns/" + root.getAttribute("data-campaign");
  var screen = root.getAttribute("data-screen");
  var unit = root.getAttribute("data-unit");
  var status = document.getElementById("ballot-status");
  var form = root.querySelector("form.grade-form");
  var etag = null;
  var pending = null; // {grade, seq}
  var seq = 0;

  function msg(name) { return root.getAttribute("data-msg-" + name) || ""; }

  function show(kind, text) {
    if (!status) { return; }
    status.className = "ballot-state " + kind;
    status.textContent = "";
    var strong = document.createElement("strong");
    strong.textContent = text;
    status.appendChild(strong);
  }

  function choose(grade) {
    if (!form) { return; }
    form.querySelectorAll("button.grade-btn").forEach(function (b) {
      var on = b.value === grade;
      b.classList.toggle("chosen", on);
      b.setAttribute("aria-pressed", on ? "true" : "false");
    });
  }

  function send(grade, mySeq, attempt) {
    if (!pending || pending.seq !== mySeq) { return; } // a newer tap took over
    show("sending", msg("sending") + " " + grade);
    fetch(api + "/ballots/" + unit, {
      method: "PUT",
      headers: { "Authorization": "Bearer " + token, "Content-Type": "application/json" },
      body: JSON.stringify({ grade: grade }),
      cache: "no-store",
      credentials: "omit"
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) { return { r: r, body: body }; });
    }).then(function (res) {
      if (!pending || pending.seq !== mySeq) { return; }
      if (res.r.ok) {
        pending = null;
        root.setAttribute("data-grade", res.body.grade);
        choose(res.body.grade);
        show("recorded", msg("saved") + res.body.grade);
      } else if (res.r.status >= 500 || res.r.status === 429) {
        retry(grade, mySeq, attempt);
      } else {
        pending = null;
        var err = (res.body && res.body.error) || {};
        show("failed", err.code === "scoring_closed" ? msg("closed") : msg("failed") + (err.message || res.r.status));
        choose(root.getAttribute("data-grade"));
        poll();
      }
    }).catch(function () { retry(grade, mySeq, attempt); });
  }

  function retry(grade, mySeq, attempt) {
    show("retrying", msg("retry"));
    window.setTimeout(function () { send(grade, mySeq, attempt + 1); }, Math.min(8000, 600 * Math.pow(2, attempt)));
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      var button = event.submitter || document.activeElement;
      if (!button || !button.value) { return; } // let the plain form do its work
      event.preventDefault();
      seq += 1;
      pending = { grade: button.value, seq: seq };
      choose(button.value);
      send(button.value, seq, 0);
    });
  }

  function poll() {
    var headers = { "Authorization": "Bearer " + token };
    if (etag) { headers["If-None-Match"] = etag; }
    fetch(api + "/briefing/current", { headers: headers, cache: "no-store", credentials: "omit" })
      .then(function (r) {
        if (r.status === 304 || !r.ok) { return null; }
        etag = r.headers.get("ETag");
        return r.json();
      })
      .then(function (data) {
        if (!data) { return; }
        if (data.screen !== screen || String(data.unit_id || "") !== unit) {
          if (!pending) { window.location.replace(window.location.pathname); }
        } else if (!pending && data.grade && data.grade !== root.getAttribute("data-grade")) {
          root.setAttribute("data-grade", data.grade);
          choose(data.grade);
          show("recorded", msg("saved") + data.grade);
        }
      })
      .catch(function () { /* the next poll tries again */ });
  }
  window.setInterval(poll, 2500);

  var closesAt = root.getAttribute("data-closes-at");
  var countdown = document.getElementById("ballot-countdown");
  if (closesAt && countdown) {
    var end = Date.parse(closesAt);
    var tick = function () {
      var left = Math.max(0, Math.round((end - Date.now()) / 1000));
      countdown.hidden = false;
      countdown.textContent = msg("left") + " " + Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
      if (left === 0) { poll(); }
    };
    tick();
    window.setInterval(tick, 1000);
  }
})();
