/* Tremplin check-in service worker, served as /scan/sw.js (scope /scan).
 * Keeps the scan screen and its files on the phone, and sends the waiting scans when the network returns
 * (Background Sync where the browser has it; the page also retries on its own). */
"use strict";

var VERSION = "__VERSION__";
var CACHE = "tremplin-scan-" + VERSION;
var SHELL = ["/scan", "/scan/pair"];
var ASSETS = __ASSETS__;

importScripts("/static/scan/store.js");

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      return cache.addAll(SHELL.concat(ASSETS).map(function (url) {
        return new Request(url, { cache: "reload", credentials: "same-origin" });
      }));
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) {
        return k.indexOf("tremplin-scan-") === 0 && k !== CACHE;
      }).map(function (k) { return caches.delete(k); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function networkFirst(request, cacheKey) {
  var controller = typeof AbortController !== "undefined" ? new AbortController() : null;
  var timer = setTimeout(function () { if (controller) controller.abort(); }, 4000);
  return fetch(request, controller ? { signal: controller.signal } : undefined).then(function (response) {
    clearTimeout(timer);
    if (response.ok) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(cacheKey, copy); });
      return response;
    }
    return caches.match(cacheKey).then(function (cached) { return cached || response; });
  }, function () {
    clearTimeout(timer);
    return caches.match(cacheKey).then(function (cached) {
      return cached || new Response("Tremplin: hors ligne", { status: 503, headers: { "Content-Type": "text/plain" } });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && (url.pathname === "/scan" || url.pathname === "/scan/pair")) {
    event.respondWith(networkFirst(request, url.pathname));
    return;
  }
  if (ASSETS.indexOf(url.pathname) !== -1) {
    event.respondWith(caches.match(url.pathname).then(function (cached) {
      return cached || fetch(request);
    }));
  }
  // Everything else (the API above all) goes to the network untouched.
});

self.addEventListener("sync", function (event) {
  if (event.tag === TremplinScanStore.SYNC_TAG) {
    event.waitUntil(TremplinScanStore.flush().then(function (result) {
      // Not everything went: ask the browser to try again later.
      if (result.left > 0) throw new Error("scans still waiting");
    }));
  }
});

self.addEventListener("message", function (event) {
  if (event.data && event.data.type === "flush") event.waitUntil(TremplinScanStore.flush());
});
