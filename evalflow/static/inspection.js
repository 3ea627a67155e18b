/* 实地考察, offline first (templates/inspector/*.html; docs/inspection.md).
 *
 * Everything an inspector does is kept on the device first, in IndexedDB through Dexie
 * (static/vendor/dexie-*): the sheet as one draft per visit, each photo as a Blob. A sync sends
 * them to the JSON API whenever the browser is online — after a change, when the network comes
 * back, on a timer and on request — each under an id made here (a UUID per sheet state, the
 * "revision", and one per photo), so a retry whose first answer was lost is stored once on the
 * server. "n 项待同步" counts what has not been acknowledged; leaving the page with any asks first.
 * The service worker (/inspect/sw.js) lets the page open again without a network.
 */
(function () {
  "use strict";

  var store = new Dexie("evalflow-inspection");
  store.version(1).stores({ drafts: "visit", photos: "id, visit, status" });
  var words = (document.getElementById("words") || {}).dataset || {};
  var stateNode = document.getElementById("sheet-state");
  var state = stateNode ? JSON.parse(stateNode.textContent) : null;
  var form = document.getElementById("sheet");
  var csrf = (document.querySelector("input[name=csrf_token]") || {}).value || "";
  var syncing = false;
  var waiting = 0;
  var timer = null;

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  /* --- what is waiting ---------------------------------------------------------------------- */

  function count() {
    return Promise.all([
      store.drafts.filter(function (d) { return d.dirty && !d.blocked; }).count(),
      store.photos.where("status").equals("waiting").count(),
    ]).then(function (n) {
      waiting = n[0] + n[1];
      var node = document.getElementById("pending");
      if (node) {
        node.textContent = waiting ? node.dataset.some.replace("{n}", waiting) : node.dataset.none;
        node.classList.toggle("has-pending", waiting > 0);
      }
      return waiting;
    });
  }

  function showNetwork() {
    var node = document.getElementById("net");
    if (!node) return;
    node.textContent = navigator.onLine ? node.dataset.online : node.dataset.offline;
    node.classList.toggle("offline", !navigator.onLine);
  }

  window.addEventListener("beforeunload", function (event) {
    if (waiting > 0) { event.preventDefault(); event.returnValue = ""; }
  });
  window.addEventListener("online", function () { showNetwork(); sync(); });
  window.addEventListener("offline", showNetwork);

  /* --- the sheet on the page ------------------------------------------------------------------- */

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function toLocalInput(iso) {
    if (!iso) return "";
    var d = new Date(iso);
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" + pad(d.getMinutes());
  }
  function fromLocalInput(value) { return value ? new Date(value).toISOString() : null; }

  function fill(data) {
    ["people_met", "summary"].forEach(function (k) { if (k in data) form.elements[k].value = data[k] || ""; });
    ["arrived_at", "left_at"].forEach(function (k) { if (k in data) form.elements[k].value = toLocalInput(data[k]); });
    state.leaves.forEach(function (leaf) {
      var c = leaf.code, score = form.elements["score-" + c], comment = form.elements["comment-" + c];
      if (score && data.scores && c in data.scores) score.value = data.scores[c] == null ? "" : data.scores[c];
      if (comment && data.comments && c in data.comments) comment.value = data.comments[c] || "";
      form.querySelectorAll("input[name='grade-" + c + "']").forEach(function (r) {
        if (data.grades && c in data.grades) r.checked = r.value === data.grades[c];
      });
      form.querySelectorAll("input[name='found-" + c + "']").forEach(function (b) {
        if (data.found && c in data.found) b.checked = (data.found[c] || []).indexOf(b.value) >= 0;
      });
    });
  }

  function collect() {
    var body = { scores: {}, grades: {}, found: {}, comments: {},
      people_met: form.elements.people_met.value, summary: form.elements.summary.value,
      arrived_at: fromLocalInput(form.elements.arrived_at.value), left_at: fromLocalInput(form.elements.left_at.value) };
    state.leaves.forEach(function (leaf) {
      var c = leaf.code, score = form.elements["score-" + c];
      if (score) body.scores[c] = score.value === "" ? null : Number(score.value);
      var grade = form.querySelector("input[name='grade-" + c + "']:checked");
      if (grade) body.grades[c] = grade.value;
      var cuts = form.querySelectorAll("input[name='found-" + c + "']");
      if (cuts.length) body.found[c] = Array.prototype.filter.call(cuts, function (b) { return b.checked; }).map(function (b) { return b.value; });
      body.comments[c] = form.elements["comment-" + c].value;
    });
    return body;
  }

  function lock(message) {
    Array.prototype.forEach.call(form.elements, function (el) { el.disabled = true; });
    var line = document.getElementById("sheet-status");
    line.textContent = message;
    line.hidden = false;
  }

  function changed() {
    var body = collect();
    return store.drafts.get(state.visit.id).then(function (old) {
      if (old && old.data && old.data.submit) body.submit = true;
      return store.drafts.put({ visit: state.visit.id, data: body, revision: uuid(), dirty: true, blocked: false });
    }).then(count).then(soon);
  }

  function soon() { clearTimeout(timer); timer = setTimeout(sync, 800); }

  /* --- photos ---------------------------------------------------------------------------------- */

  function preview(blob) {
    return new Promise(function (resolve) {
      var reader = new FileReader();
      reader.onload = function () { resolve(reader.result); };
      reader.onerror = function () { resolve(""); };
      reader.readAsDataURL(blob);
    });
  }

  function thumb(code, src, label, photoId, failed) {
    var list = form.querySelector("ul.thumbs[data-code='" + code + "']");
    var item = document.createElement("li");
    if (photoId) item.dataset.photo = photoId;
    var img = document.createElement("img");
    img.src = src; img.alt = (words.photo || "") + " " + code; img.width = 96;
    item.appendChild(img);
    var note = document.createElement("span");
    note.className = failed ? "error" : "muted";
    note.textContent = label;
    item.appendChild(note);
    if (failed) {
      var drop = document.createElement("button");
      drop.type = "button"; drop.className = "btn small"; drop.textContent = words.remove;
      drop.addEventListener("click", function () { store.photos.delete(photoId).then(function () { item.remove(); count(); }); });
      item.appendChild(drop);
    }
    list.appendChild(item);
  }

  function addPhotos(input) {
    var code = input.dataset.code;
    var files = Array.prototype.slice.call(input.files);
    input.value = "";
    return Promise.all(files.map(function (file) {
      var photo = { id: uuid(), visit: state.visit.id, code: code, blob: file, name: file.name || "photo.jpg", status: "waiting" };
      return store.photos.put(photo).then(function () { return preview(file); }).then(function (src) {
        thumb(code, src, words.waiting, photo.id, false);
      });
    })).then(count).then(soon);
  }

  /* --- sync ---------------------------------------------------------------------------------------- */

  function send(url, options) {
    options.headers = Object.assign({ "X-CSRFToken": csrf }, options.headers || {});
    options.credentials = "same-origin";
    return fetch(url, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.status === 400 && body.error && body.error.code === "csrf_failed" && !options.retried) {
          return fetch(state.token, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (t) {
            csrf = t.csrf_token; options.retried = true;
            return send(url, options);
          });
        }
        return { status: response.status, body: body };
      });
    });
  }

  function message(body) {
    var e = body.error || {};
    var parts = [e.message || ""];
    Object.keys(e.fields || {}).forEach(function (k) { parts = parts.concat(e.fields[k]); });
    return parts.concat(e.reasons || []).join(" ");
  }

  function syncSheet() {
    return store.drafts.get(state.visit.id).then(function (draft) {
      if (!draft || !draft.dirty || draft.blocked) return;
      var body = Object.assign({}, draft.data, { revision: draft.revision });
      return send(state.api, { method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
        .then(function (answer) { return settleSheet(draft, answer); });
    });
  }

  function settleSheet(draft, answer) {
    var errors = document.getElementById("sheet-errors");
    if (answer.status === 401) { errors.textContent = words.login; throw new Error("login"); }
    return store.drafts.get(state.visit.id).then(function (now) {
      var same = now && now.revision === draft.revision;
      if (answer.status === 200) {
        errors.textContent = "";
        if (same) now.dirty = false;
        if (answer.body.submitted) lock(words.submitted);
        return now && store.drafts.put(now);
      }
      var code = (answer.body.error || {}).code;
      if (code === "signed" || code === "submitted") {
        lock(code === "signed" ? words.signed : words.submitted);
        return store.drafts.delete(state.visit.id);
      }
      errors.textContent = message(answer.body);
      if (same) { now.blocked = true; if (now.data) delete now.data.submit; }
      return now && store.drafts.put(now);
    });
  }

  function syncPhotos() {
    return store.photos.where("status").equals("waiting").toArray().then(function (photos) {
      return photos.reduce(function (chain, photo) {
        return chain.then(function () { return syncPhoto(photo); });
      }, Promise.resolve());
    });
  }

  function syncPhoto(photo) {
    var data = new FormData();
    data.append("file", photo.blob, photo.name);
    data.append("code", photo.code);
    data.append("client_id", photo.id);
    var url = state ? state.photos : "/api/v1/visits/" + photo.visit + "/photos";
    if (state && photo.visit !== state.visit.id) url = url.replace("/visits/" + state.visit.id + "/", "/visits/" + photo.visit + "/");
    return send(url, { method: "POST", body: data }).then(function (answer) {
      var node = form && form.querySelector("li[data-photo='" + photo.id + "']");
      if (answer.status === 401) throw new Error("login");
      if (answer.status === 200 || answer.status === 201) {
        if (node) { node.querySelector("span").textContent = ""; node.querySelector("img").dataset.id = answer.body.id; }
        return store.photos.delete(photo.id);
      }
      photo.status = "failed"; photo.error = message(answer.body);
      return store.photos.put(photo).then(function () { return node && preview(photo.blob); }).then(function (src) {
        if (node) { node.remove(); thumb(photo.code, src, words.failed + photo.error, photo.id, true); }
      });
    });
  }

  function sync() {
    if (syncing || !navigator.onLine) return Promise.resolve();
    syncing = true;
    var steps = (state ? syncSheet() : Promise.resolve()).then(syncPhotos);
    return steps.catch(function () { /* offline again, or signed out: the work stays on the device */ })
      .then(function () { syncing = false; return count(); });
  }

  /* --- start ------------------------------------------------------------------------------------- */

  function startSheet() {
    var v = state.visit;
    fill(state.sheet);
    state.sheet.photos.forEach(function (p) { thumb(p.code, p.thumbnail_url, "", null, false); });
    form.addEventListener("input", changed);
    form.addEventListener("change", function (event) {
      if (event.target.classList.contains("photo-input")) addPhotos(event.target); else changed();
    });
    form.querySelectorAll("button.now").forEach(function (b) {
      b.addEventListener("click", function () { form.elements[b.dataset.for].value = toLocalInput(new Date().toISOString()); changed(); });
    });
    document.getElementById("submit-sheet").addEventListener("click", function () {
      var body = collect(); body.submit = true;
      store.drafts.put({ visit: state.visit.id, data: body, revision: uuid(), dirty: true, blocked: false }).then(count).then(sync);
    });
    var locked = state.sheet.signed ? words.signed : state.sheet.submitted ? words.submitted : null;
    return store.drafts.get(v.id).then(function (draft) {
      if (locked) return lock(locked);
      if (draft && draft.dirty) fill(draft.data);
      return store.photos.where("visit").equals(v.id).toArray();
    }).then(function (waitingPhotos) {
      return Promise.all((waitingPhotos || []).map(function (p) {
        return preview(p.blob).then(function (src) {
          thumb(p.code, src, p.status === "failed" ? words.failed + p.error : words.waiting, p.id, p.status === "failed");
        });
      }));
    });
  }

  function precache() {
    var links = document.querySelectorAll("a[data-sheet]");
    if (!links.length || !window.caches || !navigator.onLine) return;
    caches.open("evalflow-inspection-pages").then(function (cache) {
      links.forEach(function (a) { cache.add(a.dataset.sheet).catch(function () {}); });
    });
  }

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/inspect/sw.js", { scope: "/inspect/" }).catch(function () {});
  }
  var sync_button = document.getElementById("sync-now");
  if (sync_button) sync_button.addEventListener("click", sync);
  showNetwork();
  (state && form ? startSheet() : Promise.resolve()).then(count).then(sync);
  precache();
  setInterval(sync, 15000);
  window.evalflowInspection = { sync: sync, count: count };
})();
