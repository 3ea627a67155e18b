/* The 实地考察 service worker (served as /inspect/sw.js, scope /inspect/): the inspector's pages and
 * the files they need open again with no network. Network first — a fresh page whenever the server
 * answers — and the last good copy otherwise. Writes (the sheet, photos) never pass through here:
 * the page keeps them on the device and sends them itself (static/inspection.js). */
"use strict";

var PAGES = "evalflow-inspection-pages";
var ASSETS = "evalflow-inspection-assets-v1";
var ASSET_URLS = [
  "/static/app.css", "/static/training.css", "/static/briefing.css", "/static/tally.css", "/static/notice.css",
  "/static/inspection.css", "/static/inspection.js", "/static/vendor/dexie-4.4.7/dexie.min.js",
];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(ASSETS).then(function (cache) { return cache.addAll(ASSET_URLS); }).then(function () {
    return self.skipWaiting();
  }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n.indexOf("evalflow-inspection-assets") === 0 && n !== ASSETS; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

function networkFirst(request, cacheName) {
  return fetch(request).then(function (response) {
    if (response.ok && !response.redirected) {
      var copy = response.clone();
      caches.open(cacheName).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(request).then(function (hit) { return hit || Response.error(); });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(networkFirst(request, ASSETS));
  } else if (request.mode === "navigate" && url.pathname.indexOf("/inspect/visits/") === 0) {
    event.respondWith(networkFirst(request, PAGES));
  }
});
