/* Tremplin check-in: the phone's own storage and the send queue.
 *
 * Loaded by the page (<script src>) and by the service worker (importScripts), so it is a classic script
 * that puts one object on `self`. Everything lives in IndexedDB:
 *   meta     key -> value (auth, csrf token, chosen event and list, lists of the event)
 *   lists    list id -> {list, event, generated_at, fetched_at, count}
 *   entries  [list, h] -> {list, h, iv, d}: the offline list, encrypted per ticket (see decryptEntry)
 *   scans    nonce -> a scan, a manual check-in, a walk-in or an undo, waiting to be sent or already answered
 */
(function (root) {
  "use strict";

  var DB_NAME = "tremplin-scan";
  var DB_VERSION = 1;
  var SYNC_TAG = "tremplin-scan-queue";
  var LOCK = "tremplin-scan-flush";
  var SALT = "tremplin-offline";
  var channel = typeof BroadcastChannel !== "undefined" ? new BroadcastChannel("tremplin-scan") : null;
  var dbPromise = null;
  var seq = 0;

  function promisify(request) {
    return new Promise(function (resolve, reject) {
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function open() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var request = indexedDB.open(DB_NAME, DB_VERSION);
        request.onupgradeneeded = function () {
          var db = request.result;
          db.createObjectStore("meta");
          db.createObjectStore("lists", { keyPath: "list" });
          db.createObjectStore("entries", { keyPath: ["list", "h"] }).createIndex("by_list", "list");
          var scans = db.createObjectStore("scans", { keyPath: "nonce" });
          scans.createIndex("by_h", "h");
          scans.createIndex("by_state", "state");
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return dbPromise;
  }

  function store(name, mode) {
    return open().then(function (db) { return db.transaction(name, mode || "readonly").objectStore(name); });
  }

  function done(tx) {
    return new Promise(function (resolve, reject) {
      tx.oncomplete = function () { resolve(); };
      tx.onerror = function () { reject(tx.error); };
      tx.onabort = function () { reject(tx.error); };
    });
  }

  function getMeta(key) {
    return store("meta").then(function (s) { return promisify(s.get(key)); });
  }

  function setMeta(key, value) {
    return store("meta", "readwrite").then(function (s) { return promisify(s.put(value, key)); });
  }

  /* ---- offline lists ---------------------------------------------------------------------------------- */

  function saveList(payload) {
    var listId = String(payload.list);
    return open().then(function (db) {
      var tx = db.transaction(["lists", "entries"], "readwrite");
      var entries = tx.objectStore("entries");
      var index = entries.index("by_list");
      var cursorRequest = index.openKeyCursor(IDBKeyRange.only(listId));
      cursorRequest.onsuccess = function () {
        var cursor = cursorRequest.result;
        if (cursor) {
          entries.delete(cursor.primaryKey);
          cursor.continue();
          return;
        }
        (payload.entries || []).forEach(function (e) {
          entries.put({ list: listId, h: e.h, iv: e.iv, d: e.d });
        });
        tx.objectStore("lists").put({
          list: listId,
          event: payload.event,
          generated_at: payload.generated_at,
          fetched_at: new Date().toISOString(),
          count: (payload.entries || []).length,
        });
      };
      return done(tx);
    });
  }

  function getList(listId) {
    return store("lists").then(function (s) { return promisify(s.get(String(listId))); });
  }

  function allLists() {
    return store("lists").then(function (s) { return promisify(s.getAll()); });
  }

  function getEntry(listId, h) {
    return store("entries").then(function (s) { return promisify(s.get([String(listId), h])); });
  }

  /* ---- crypto ----------------------------------------------------------------------------------------- */

  var encoder = new TextEncoder();

  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
      return b.toString(16).padStart(2, "0");
    }).join("");
  }

  function fromBase64url(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) b64 += "=";
    var raw = atob(b64);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  function sha256hex(text) {
    return crypto.subtle.digest("SHA-256", encoder.encode(text)).then(hex);
  }

  /* AES-256-GCM with key = HKDF-SHA256(ikm = ticket token, salt = "tremplin-offline", info = list id):
   * only someone holding the ticket can read its line of the list. */
  function decryptEntry(entry, token, listId) {
    return crypto.subtle.importKey("raw", encoder.encode(token), "HKDF", false, ["deriveKey"])
      .then(function (ikm) {
        return crypto.subtle.deriveKey(
          { name: "HKDF", hash: "SHA-256", salt: encoder.encode(SALT), info: encoder.encode(String(listId)) },
          ikm, { name: "AES-GCM", length: 256 }, false, ["decrypt"]);
      })
      .then(function (key) {
        return crypto.subtle.decrypt({ name: "AES-GCM", iv: fromBase64url(entry.iv) }, key, fromBase64url(entry.d));
      })
      .then(function (plain) { return JSON.parse(new TextDecoder().decode(plain)); });
  }

  /* ---- the queue -------------------------------------------------------------------------------------- */

  function newNonce() {
    if (crypto.randomUUID) return crypto.randomUUID();
    return hex(crypto.getRandomValues(new Uint8Array(16)));
  }

  function addScan(record) {
    record.created = record.created || Date.now();
    record.seq = record.seq || Date.now() * 1000 + (seq++ % 1000);
    record.state = record.state || "pending";
    return store("scans", "readwrite").then(function (s) { return promisify(s.put(record)); }).then(function () {
      notify({ type: "queued", nonce: record.nonce });
      return record;
    });
  }

  function putScan(record) {
    return store("scans", "readwrite").then(function (s) { return promisify(s.put(record)); });
  }

  function getScan(nonce) {
    return store("scans").then(function (s) { return promisify(s.get(nonce)); });
  }

  function allScans() {
    return store("scans").then(function (s) { return promisify(s.getAll()); }).then(function (rows) {
      return rows.sort(function (a, b) { return a.seq - b.seq; });
    });
  }

  function scansOf(h) {
    return store("scans").then(function (s) { return promisify(s.index("by_h").getAll(h)); });
  }

  function pendingCount() {
    return store("scans").then(function (s) { return promisify(s.index("by_state").count("pending")); });
  }

  function notify(message) {
    if (channel) channel.postMessage(message);
    if (root.dispatchEvent && typeof CustomEvent !== "undefined" && typeof document !== "undefined") {
      root.dispatchEvent(new CustomEvent("tremplin-scan", { detail: message }));
    }
  }

  function headers(meta) {
    var h = { "Content-Type": "application/json", Accept: "application/json" };
    if (meta.device && meta.device.token) h.Authorization = "Device " + meta.device.token;
    if (meta.csrf) h["x-csrftoken"] = meta.csrf;
    return h;
  }

  function authMeta() {
    return Promise.all([getMeta("device"), getMeta("csrf")]).then(function (v) {
      return { device: v[0], csrf: v[1] };
    });
  }

  function withTimeout(promise, ms) {
    if (!ms) return promise;
    return new Promise(function (resolve, reject) {
      var timer = setTimeout(function () { reject(new Error("timeout")); }, ms);
      promise.then(function (v) { clearTimeout(timer); resolve(v); }, function (e) { clearTimeout(timer); reject(e); });
    });
  }

  /* Send one queued record. Resolves to "done", "rejected" (the server refused it: no point retrying),
   * "auth" (log in or pair again; kept) or "retry" (no answer: kept for the next round). */
  function sendOne(record, meta, timeoutMs) {
    var request = fetch(record.url, {
      method: "POST",
      headers: headers(meta),
      body: JSON.stringify(record.body),
      credentials: "same-origin",
      cache: "no-store",
    });
    return withTimeout(request, timeoutMs).then(function (response) {
      return response.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (response.ok) return settle(record.nonce, "done", data).then(function () { return "done"; });
        if (response.status === 401 || response.status === 403) return "auth";
        if (response.status >= 500 || response.status === 429 || response.status === 408) return "retry";
        return settle(record.nonce, "rejected", data).then(function () { return "rejected"; });
      });
    }, function () { return "retry"; });
  }

  /* Send one record now if it is still waiting, holding the queue's lock so that the retry loop and the
   * service worker's Background Sync do not send it too: each scan reaches the server once. */
  function sendPending(nonce, meta, timeoutMs) {
    return withQueueLock(function () {
      return getScan(nonce).then(function (record) {
        if (!record) return "rejected";
        if (record.state !== "pending") return record.state === "rejected" ? "rejected" : "done";
        return sendOne(record, meta, timeoutMs);
      });
    });
  }

  /* Record the server's answer; the ticket token is dropped once it is no longer needed. */
  function settle(nonce, state, data) {
    return getScan(nonce).then(function (record) {
      if (!record) return null;
      if (record.state === "cancelled" && state === "done" && record.kind !== "undo") {
        // Undone on the phone while it was already on its way: the server has it, so undo it there too.
        record.state = "done";
        record.server = data || {};
        record.undone = true;
        return putScan(record).then(function () {
          var nonce2 = newNonce();
          return addScan({ nonce: nonce2, kind: "undo", url: "/api/checkin/undo", body: { nonce: nonce },
            target: nonce, label: record.label, list: record.list });
        });
      }
      if (record.state !== "pending") return record;  // answered meanwhile (another tab or the worker)
      record.state = state;
      record.server = data || {};
      record.answered = Date.now();
      if (record.body && record.body.token) record.body = Object.assign({}, record.body, { token: undefined });
      return putScan(record).then(function () {
        notify({ type: "answered", nonce: nonce, state: state, server: record.server, kind: record.kind });
        return record;
      });
    });
  }

  var flushing = null;

  function flushUnlocked() {
    return authMeta().then(function (meta) {
      return allScans().then(function (rows) {
        var pending = rows.filter(function (r) { return r.state === "pending"; });
        var result = { sent: 0, left: pending.length, status: "idle" };
        var chain = Promise.resolve(true);
        pending.forEach(function (record) {
          chain = chain.then(function (go) {
            if (!go) return false;
            return sendOne(record, meta, 8000).then(function (outcome) {
              if (outcome === "done" || outcome === "rejected") {
                result.sent += 1;
                result.left -= 1;
                return true;
              }
              result.status = outcome;
              return false;  // keep the order: an undo never overtakes its scan
            });
          });
        });
        return chain.then(function () {
          notify({ type: "flushed", left: result.left, status: result.status });
          return result;
        });
      });
    });
  }

  /* Send every pending record, oldest first, one sender at a time (page or worker: Web Locks). */
  function flush() {
    if (flushing) return flushing;
    var run = (typeof navigator !== "undefined" && navigator.locks)
      ? navigator.locks.request(LOCK, flushUnlocked)
      : flushUnlocked();
    flushing = run.finally(function () { flushing = null; });
    return flushing;
  }

  function withQueueLock(fn) {
    if (typeof navigator !== "undefined" && navigator.locks) return navigator.locks.request(LOCK, fn);
    return Promise.resolve().then(fn);
  }

  root.TremplinScanStore = {
    SYNC_TAG: SYNC_TAG,
    open: open,
    getMeta: getMeta,
    setMeta: setMeta,
    saveList: saveList,
    getList: getList,
    allLists: allLists,
    getEntry: getEntry,
    sha256hex: sha256hex,
    decryptEntry: decryptEntry,
    newNonce: newNonce,
    addScan: addScan,
    putScan: putScan,
    getScan: getScan,
    allScans: allScans,
    scansOf: scansOf,
    pendingCount: pendingCount,
    sendOne: sendOne,
    sendPending: sendPending,
    authMeta: authMeta,
    headers: headers,
    flush: flush,
    withQueueLock: withQueueLock,
    channel: channel,
  };
})(self);
