/* Tremplin check-in screen: camera -> verdict (green / amber / red) -> camera, with search, walk-ins and undo.
 *
 * Every scan is written to the phone's queue first (IndexedDB, with its own nonce and the time it happened),
 * then sent. When the server answers quickly its verdict is shown; otherwise the verdict comes from the list
 * downloaded to the phone (encrypted per ticket), and the queue is sent later by a retry loop, on the `online`
 * event and by Background Sync. The server's later answer is what counts: it shows in the log. */
(function () {
  "use strict";

  var Store = self.TremplinScanStore;
  var Decoder = self.TremplinDecoder;
  var config = JSON.parse(document.getElementById("scan-config").textContent);
  var S = config.strings;
  var lang = document.documentElement.lang || "fr";
  var $ = function (id) { return document.getElementById(id); };

  var FRAME_WIDTH = 360;
  var DECODE_EVERY_MS = 70;
  var SAME_CODE_PAUSE_MS = 4000;
  var QUICK_ANSWER_MS = 900;      // wait this long for the server when the phone has the list
  var SLOW_ANSWER_MS = 2500;      // ... and this long when it has not
  var RETRY_MS = 4000;
  var SEND_TIMEOUT_MS = 8000;
  var LIST_REFRESH_MS = 120000;
  var SYNC_TAG = Store.SYNC_TAG;

  var state = {
    user: config.user,
    device: null,
    deviceName: "",
    event: null,
    eventTitle: "",
    list: null,
    lists: [],
    scanning: false,
    busy: false,
    lastCode: "",
    lastCodeAt: 0,
    resultTimer: null,
    stream: null,
    authProblem: false,
    mode: "entry",  // "entry" or "exit": what a scan records
  };

  /* ---- small helpers ---------------------------------------------------------------------------------- */

  function fmt(text, values) {
    return String(text).replace(/%\((\w+)\)s/g, function (_, key) {
      return values && values[key] !== undefined && values[key] !== null ? values[key] : "";
    });
  }

  function clock(iso) {
    if (!iso) return "";
    var date = new Date(iso);
    if (isNaN(date.getTime())) return String(iso);
    return date.toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" });
  }

  /* "1 présent·e sur 8", "3 présent·es sur 8": French counts 0 and 1 as singular, English only 1. */
  function presentCount(present, expected) {
    var one = /^fr/i.test(lang) ? present <= 1 : present === 1;
    return fmt(one ? S.present_count_one : S.present_count_many, { present: present, expected: expected });
  }

  function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  function show(el, visible) { el.hidden = !visible; }

  function toast(text) {
    var el = $("toast");
    el.textContent = text;
    el.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { el.hidden = true; }, 4000);
  }

  function request(method, url, body) {
    return Store.authMeta().then(function (meta) {
      return fetch(url, {
        method: method,
        headers: Store.headers(meta),
        body: body ? JSON.stringify(body) : undefined,
        credentials: "same-origin",
        cache: "no-store",
      });
    }).then(function (response) {
      if (response.status === 401 || response.status === 403) state.authProblem = true;
      if (!response.ok) throw new Error("HTTP " + response.status);
      state.authProblem = false;
      return response.json();
    });
  }

  function listKey() { return "tremplin.scan.list." + state.event; }

  /* A QR code holds the ticket token, possibly inside a link (…/t/<token>, ?t=<token> or #<token>). */
  function tokenOf(text) {
    text = String(text || "").trim();
    if (/^https?:\/\//i.test(text)) {
      try {
        var url = new URL(text);
        var token = url.searchParams.get("t") || url.hash.replace(/^#/, "");
        if (!token) token = url.pathname.split("/").filter(Boolean).pop() || "";
        text = token;
      } catch (e) {
        return "";
      }
    }
    return /^[A-Za-z0-9_\-.~]{8,128}$/.test(text) ? text : "";
  }

  /* ---- who is scanning -------------------------------------------------------------------------------- */

  function loadIdentity() {
    var device = null;
    try { device = JSON.parse(localStorage.getItem("tremplin.device") || "null"); } catch (e) { device = null; }
    if (device && device.expires_at && new Date(device.expires_at) < new Date()) device = null;
    if (state.user) {
      var id = localStorage.getItem("tremplin.scan.device-id");
      if (!id) {
        id = "web-" + Store.newNonce().slice(0, 8);
        localStorage.setItem("tremplin.scan.device-id", id);
      }
      state.deviceName = id;
      state.device = null;  // the console session is the credential
      state.event = Number(localStorage.getItem("tremplin.scan.event")) || null;
      if (state.event && !config.events.some(function (e) { return e.id === state.event; })) state.event = null;
      var chosen = config.events.filter(function (e) { return e.id === state.event; })[0];
      state.eventTitle = chosen ? chosen.title : "";
    } else if (device) {
      state.device = device;
      state.deviceName = device.device || "";
      state.event = device.event;
      state.eventTitle = device.event_title || "";
    }
    var csrf = document.body.getAttribute("data-csrf") || "";
    return Promise.all([
      Store.setMeta("device", state.device),
      csrf ? Store.setMeta("csrf", csrf) : Promise.resolve(),
    ]);
  }

  /* ---- choosing the event and the list ---------------------------------------------------------------- */

  function showSetup() {
    stopCamera();
    show($("scanner"), false);
    show($("setup"), true);
    var message = $("setup-message");
    if (!state.user && !state.device) {
      message.textContent = S.not_paired;
      show(message, true);
      show($("setup-login"), true);
      return Promise.resolve();
    }
    show(message, false);
    if (state.user) {
      var select = $("event-select");
      select.textContent = "";
      var blank = document.createElement("option");
      blank.value = "";
      blank.textContent = S.choose_event;
      select.appendChild(blank);
      config.events.forEach(function (e) {
        var option = document.createElement("option");
        option.value = e.id;
        option.textContent = e.title + " — " + new Date(e.starts_on).toLocaleDateString(lang);
        option.selected = e.id === state.event;
        select.appendChild(option);
      });
      show($("event-choice"), true);
    }
    if (state.event) return loadLists();
    return Promise.resolve();
  }

  function loadLists() {
    var key = "lists:" + state.event;
    return request("GET", "/api/checkin/events/" + state.event + "/lists")
      .then(function (lists) { return Store.setMeta(key, lists).then(function () { return lists; }); })
      .catch(function () { return Store.getMeta(key).then(function (lists) { return lists || []; }); })
      .then(function (lists) {
        state.lists = lists;
        renderLists();
        var remembered = localStorage.getItem(listKey());
        if (lists.length === 1 && !remembered) return chooseList(lists[0].id);
        return null;
      });
  }

  function renderLists() {
    var ul = $("list-choice");
    ul.textContent = "";
    show($("list-choice-title"), state.lists.length > 0);
    state.lists.forEach(function (l) {
      var li = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "scan-list";
      button.setAttribute("data-list", l.id);
      var title = document.createElement("strong");
      title.textContent = l.title;
      var when = document.createElement("small");
      when.textContent = clock(l.starts_at) + (l.ends_at ? "–" + clock(l.ends_at) : "") +
        (l.expected !== undefined ? " · " + presentCount(l.present || 0, l.expected) : "");
      button.appendChild(title);
      button.appendChild(when);
      button.addEventListener("click", function () { chooseList(l.id); });
      li.appendChild(button);
      ul.appendChild(li);
    });
  }

  function chooseList(listId) {
    state.list = String(listId);
    localStorage.setItem(listKey(), state.list);
    var chosen = state.lists.filter(function (l) { return String(l.id) === state.list; })[0];
    $("list-title").textContent = chosen ? chosen.title : state.eventTitle;
    show($("setup"), false);
    show($("scanner"), true);
    Store.setMeta("current", { event: state.event, list: state.list });
    refreshListState();
    downloadList();
    refreshStatus();
    return startCamera();
  }

  /* ---- the offline list ------------------------------------------------------------------------------- */

  function downloadList() {
    var listId = state.list;
    if (!listId) return Promise.resolve();
    return Store.getList(listId).then(function (known) {
      if (!known) $("list-state").textContent = S.list_loading;
      return request("GET", "/api/checkin/lists/" + encodeURIComponent(listId) + "/offline");
    }).then(function (payload) {
      payload.list = payload.list || listId;
      return Store.saveList(payload);
    }).catch(function () { return null; }).then(refreshListState);
  }

  function refreshListState() {
    if (!state.list) return Promise.resolve();
    return Store.getList(state.list).then(function (known) {
      $("list-state").textContent = known
        ? fmt(S.list_ready, { count: known.count, time: clock(known.fetched_at) })
        : S.list_missing;
      document.body.setAttribute("data-list-ready", known ? "yes" : "no");
    });
  }

  function refreshStatus() {
    if (!state.list) return;
    request("GET", "/api/checkin/lists/" + encodeURIComponent(state.list) + "/status").then(function (status) {
      if (status && status.expected !== undefined) {
        $("present-count").textContent = presentCount(status.present || 0, status.expected);
      }
    }).catch(function () { /* the counter waits for the network */ });
  }

  /* ---- the verdict -------------------------------------------------------------------------------------- */

  function effective(record) {
    if (record.state === "done" && record.server && record.server.result) return record.server.result;
    return record.local ? record.local.result : "saved";
  }

  function decrypt(listId, h, token) {
    return Store.getEntry(listId, h).then(function (entry) {
      if (!entry) return null;
      return Store.decryptEntry(entry, token, listId).catch(function () { return null; });
    });
  }

  /* What the phone alone can say about a ticket. */
  function localVerdict(token, h) {
    var listId = state.list;
    return Promise.all([decrypt(listId, h, token), Store.scansOf(h), Store.getList(listId)]).then(function (r) {
      var data = r[0];
      var earlier = r[1].filter(function (s) {
        var result = effective(s);
        return s.list === listId && s.kind === "redeem" && !s.undone && s.state !== "cancelled" &&
          s.state !== "rejected" && (result === "ok" || result === "already" || result === "saved");
      }).sort(function (a, b) { return a.seq - b.seq; })[0];
      var name = data ? data.name : (earlier && earlier.label) || "";
      var team = data ? data.team : "";
      if (earlier) {
        return { result: "already", name: name, team: team, thisPhone: true, first_at: new Date(earlier.created).toISOString(),
          source: "local" };
      }
      if (data) {
        // `status` is the person's attendance on this list when the list was downloaded: an absence mark
        // does not stop a scan (they came after all), a presence does.
        var here = data.at && (!data.status || data.status === "present" || data.status === "late" ||
          data.status === "left_early");
        if (here) return { result: "already", name: name, team: team, first_at: data.at, first_by: data.by, source: "local" };
        return { result: "ok", name: name, team: team, registration: data.registration, source: "local" };
      }
      return otherList(token, h).then(function (other) {
        if (other) return other;
        return r[2] ? { result: "unknown", source: "local" } : { result: "saved", source: "none" };
      });
    });
  }

  function otherList(token, h) {
    return Store.allLists().then(function (lists) {
      var others = lists.filter(function (l) { return l.list !== state.list && String(l.event) === String(state.event); });
      return Promise.all(others.map(function (l) { return decrypt(l.list, h, token); })).then(function (found) {
        for (var i = 0; i < found.length; i++) {
          if (found[i]) {
            var title = (state.lists.filter(function (x) { return String(x.id) === others[i].list; })[0] || {}).title;
            return { result: "wrong_list", name: found[i].name, reason: fmt(S.other_list, { list: title || others[i].list }),
              source: "local" };
          }
        }
        return null;
      });
    });
  }

  var COLOURS = { ok: "green", already: "amber", unknown: "red", wrong_list: "red", cancelled: "red", saved: "blue",
    exit: "green", exit_refused: "red" };
  var BUZZ = { green: [90], amber: [80, 60, 80], red: [250, 100, 250], blue: [60] };

  function showResult(verdict) {
    var result = COLOURS[verdict.result] ? verdict.result : "unknown";
    var day = result === "ok" ? otherDay(verdict) : "";
    var colour = COLOURS[result];  // a check-in ahead of the day is a plain green that names the day
    var box = $("result");
    box.setAttribute("data-result", result);
    box.setAttribute("data-colour", colour);
    box.setAttribute("data-source", verdict.source || "server");
    $("result-verdict").textContent = S[result];
    $("result-name").textContent = verdict.name || "";
    var detail = [];
    if (verdict.team !== undefined && verdict.team !== null && verdict.team !== "") detail.push(fmt(S.team, { team: verdict.team }));
    if (result === "already") {
      if (verdict.thisPhone) detail.push(fmt(S.this_phone, { time: clock(verdict.first_at) }));
      else if (verdict.first_by) detail.push(fmt(S.first_at_by, { time: clock(verdict.first_at), who: verdict.first_by }));
      else if (verdict.first_at) detail.push(fmt(S.first_at, { time: clock(verdict.first_at) }));
    }
    if (day) detail.push(fmt(S.other_day, { day: day }));
    var reason = reasonText(verdict.reason);
    if (reason) detail.push(reason);
    $("result-detail").textContent = detail.join(" · ");
    var note = "";
    if (verdict.source === "local" && !verdict.thisPhone) note = S.offline_verdict;
    if (verdict.source === "none") note = S.no_list_verdict;
    $("result-note").textContent = note;
    box.hidden = false;
    if (navigator.vibrate) {
      try { navigator.vibrate(BUZZ[colour]); } catch (e) { /* not allowed before a tap */ }
    }
    clearTimeout(state.resultTimer);
    state.resultTimer = setTimeout(hideResult, colour === "green" || colour === "blue" ? 1500 : 2500);
  }

  /* The session's day ("mardi 8 décembre") when the scan is not on that day, else "". The server says so;
   * offline, the phone compares with the chosen session's times. */
  function otherDay(verdict) {
    var at = verdict.session_at;
    if (!at && verdict.source !== "server") {
      var chosen = state.lists.filter(function (l) { return String(l.id) === state.list; })[0];
      var today = new Date().toDateString();
      if (chosen && chosen.starts_at && new Date(chosen.starts_at).toDateString() !== today &&
          !(chosen.ends_at && new Date(chosen.ends_at).toDateString() === today)) at = chosen.starts_at;
    }
    if (!at) return "";
    var date = new Date(at);
    return isNaN(date.getTime()) ? "" : date.toLocaleDateString(lang, { weekday: "long", day: "numeric", month: "long" });
  }

  /* The API gives reason codes ("other_event"); anything else that looks like a sentence is shown as it is. */
  function reasonText(reason) {
    if (!reason) return "";
    if (S["reason_" + reason] !== undefined) return S["reason_" + reason];
    return /^[a-z_]+$/.test(reason) ? "" : reason;
  }

  function hideResult() {
    clearTimeout(state.resultTimer);
    $("result").hidden = true;
    state.busy = false;
  }

  function serverVerdict(server, fallbackName) {
    return {
      result: server.result || "ok",
      name: server.name || fallbackName || "",
      team: server.team,
      reason: server.reason,
      first_at: server.first_at,
      first_by: server.first_by,
      session_at: server.session_at,
      source: "server",
    };
  }

  /* Queue the record, try to send it at once, and show the server's verdict if it comes in time. */
  function queueAndTry(record, local) {
    return Store.addScan(record).then(function () {
      updatePending();
      return Store.authMeta();
    }).then(function (meta) {
      var wait = local && local.source === "local" ? QUICK_ANSWER_MS : SLOW_ANSWER_MS;
      // Sent once: by this request, or (when it gets no answer) later by the retry loop or Background Sync.
      var answered = Store.sendPending(record.nonce, meta, SEND_TIMEOUT_MS).then(function (outcome) {
        if (outcome === "retry" || outcome === "auth") requestSync();
        return { outcome: outcome };
      });
      return Promise.race([answered, sleep(wait).then(function () { return null; })]);
    }).then(function (race) {
      if (race && race.outcome === "auth") state.authProblem = true;
      return Store.getScan(record.nonce);
    });
  }

  function redeem(token) {
    state.busy = true;
    var listId = state.list;
    var h;
    return Store.sha256hex(token).then(function (hash) {
      h = hash;
      return localVerdict(token, h);
    }).then(function (local) {
      if (local.thisPhone) {  // the same phone already has it: say so, send nothing twice
        showResult(local);
        return null;
      }
      var nonce = Store.newNonce();
      var record = {
        nonce: nonce,
        kind: "redeem",
        url: "/api/checkin/redeem",
        body: { token: token, list: listId, nonce: nonce, scanned_at: new Date().toISOString(), device: state.deviceName },
        list: listId,
        h: h,
        local: { result: local.result, name: local.name || "", team: local.team || "" },
        label: local.name || "",
      };
      return queueAndTry(record, local).then(function (saved) {
        if (saved && saved.state === "done" && saved.server && saved.server.result) {
          var verdict = serverVerdict(saved.server, local.name);
          if (verdict.name && !saved.label) {
            saved.label = verdict.name;
            Store.putScan(saved);
          }
          showResult(verdict);
        } else {
          showResult(local);
        }
      });
    }).catch(function () {
      state.busy = false;
    });
  }

  /* An exit scan: queued like an entry (sent once, kept while offline); the server refuses an exit before the
   * entry, or without one, and says why. */
  function leave(token) {
    state.busy = true;
    var listId = state.list;
    var h;
    return Store.sha256hex(token).then(function (hash) {
      h = hash;
      return decrypt(listId, h, token);
    }).then(function (data) {
      var name = data ? data.name : "";
      var nonce = Store.newNonce();
      var record = {
        nonce: nonce,
        kind: "exit",
        url: "/api/checkin/exit",
        body: { token: token, list: listId, nonce: nonce, exited_at: new Date().toISOString(), device: state.deviceName },
        list: listId,
        h: h,
        local: { result: "exit", name: name || "", team: data ? data.team || "" : "" },
        label: name || "",
      };
      return queueAndTry(record, { source: data ? "local" : "none" }).then(function (saved) {
        var server = (saved && saved.server) || {};
        if (saved && saved.state === "done" && server.result) {
          var verdict = serverVerdict(server, name);
          if (verdict.result === "ok") verdict.result = "exit";
          if (verdict.name && !saved.label) {
            saved.label = verdict.name;
            Store.putScan(saved);
          }
          showResult(verdict);
        } else if (saved && saved.state === "rejected") {
          showResult({ result: "exit_refused", name: name, reason: server.detail || "", source: "server" });
        } else {
          showResult({ result: "saved", name: name, source: data ? "local" : "none" });
        }
      });
    }).catch(function () {
      state.busy = false;
    });
  }

  function setMode(mode) {
    state.mode = mode === "exit" ? "exit" : "entry";
    try { localStorage.setItem("tremplin.scan.mode", state.mode); } catch (e) { /* private browsing */ }
    $("mode-entry").setAttribute("aria-pressed", String(state.mode === "entry"));
    $("mode-exit").setAttribute("aria-pressed", String(state.mode === "exit"));
    document.body.setAttribute("data-mode", state.mode);
  }

  /* ---- the camera --------------------------------------------------------------------------------------- */

  var canvas = $("frame");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var video = $("video");

  function startCamera() {
    if (state.scanning) return Promise.resolve();
    $("camera-state").textContent = S.camera_starting;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      $("camera-state").textContent = S.camera_denied;
      return Promise.resolve();
    }
    return Promise.all([
      navigator.mediaDevices.getUserMedia({
        audio: false,
        video: { facingMode: { ideal: "environment" }, width: { ideal: 640 }, height: { ideal: 480 } },
      }),
      Decoder.init(),
    ]).then(function (r) {
      state.stream = r[0];
      video.srcObject = state.stream;
      document.body.setAttribute("data-decoder", r[1]);
      return video.play().catch(function () { return null; });
    }).then(function () {
      state.scanning = true;
      $("camera-state").textContent = S.aim;
      document.body.setAttribute("data-camera", "on");
      loop();
    }).catch(function () {
      $("camera-state").textContent = S.camera_denied;
      document.body.setAttribute("data-camera", "off");
    });
  }

  function stopCamera() {
    state.scanning = false;
    if (state.stream) state.stream.getTracks().forEach(function (t) { t.stop(); });
    state.stream = null;
    document.body.removeAttribute("data-camera");
  }

  function panelOpen() {
    return !$("search-panel").hidden || !$("walkin-panel").hidden || !$("log-panel").hidden;
  }

  function loop() {
    if (!state.scanning) return;
    var next = function () { setTimeout(loop, DECODE_EVERY_MS); };
    if (state.busy || panelOpen() || document.hidden || video.readyState < 2 || !video.videoWidth) {
      next();
      return;
    }
    var decoding;
    try {
      // Scale the frame down smoothly to ~360 px wide: faster, and blurred codes read better.
      var width = FRAME_WIDTH;
      var height = Math.round(video.videoHeight * width / video.videoWidth);
      if (canvas.width !== width || canvas.height !== height) {
        canvas.width = width;
        canvas.height = height;
      }
      context.imageSmoothingEnabled = true;
      context.imageSmoothingQuality = "high";
      context.drawImage(video, 0, 0, width, height);
      decoding = Decoder.decode(canvas, context);
    } catch (e) {
      decoding = Promise.resolve(null);  // a frame that cannot be read: take the next one
    }
    decoding.then(function (text) {
      var token = tokenOf(text);
      var now = Date.now();
      if (token && !(token === state.lastCode && now - state.lastCodeAt < SAME_CODE_PAUSE_MS) && !state.busy) {
        state.lastCode = token;
        state.lastCodeAt = now;
        return (state.mode === "exit" ? leave(token) : redeem(token)).then(function () { state.lastCodeAt = Date.now(); });
      }
      return null;
    }).then(next, next);
  }

  /* ---- the queue: counter, retries, log ----------------------------------------------------------------- */

  function updatePending() {
    return Store.pendingCount().then(function (count) {
      var button = $("pending");
      button.setAttribute("data-count", String(count));
      button.classList.toggle("has-pending", count > 0);
      var text = count === 0 ? S.pending_zero : count === 1 ? S.pending_one : fmt(S.pending_many, { count: count });
      if (count > 0 && state.authProblem) text += " · " + S.auth_needed;
      $("pending-text").textContent = text;
      if (!$("log-panel").hidden) renderLog();
      return count;
    });
  }

  function requestSync() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.sync) return registration.sync.register(SYNC_TAG);
      return null;
    }).catch(function () { /* Background Sync is a bonus: the retry loop does the work */ });
  }

  var retryDelay = RETRY_MS;

  function retryLoop() {
    Store.pendingCount().then(function (count) {
      if (!count) {
        retryDelay = RETRY_MS;
        return null;
      }
      return Store.flush().then(function (result) {
        state.authProblem = result.status === "auth";
        retryDelay = result.left ? Math.min(retryDelay * 1.5, 15000) : RETRY_MS;
        if (!result.left) { refreshStatus(); downloadList(); }
      });
    }).catch(function () { return null; }).then(function () {
      updatePending();
      setTimeout(retryLoop, retryDelay);
    });
  }

  function flushNow() {
    retryDelay = RETRY_MS;
    return Store.flush().then(function (result) {
      state.authProblem = result.status === "auth";
      return updatePending();
    });
  }

  var KINDS = { redeem: "kind_redeem", manual: "kind_manual", walkin: "kind_walkin", undo: "kind_undo", exit: "kind_exit" };

  function renderLog() {
    return Store.allScans().then(function (rows) {
      var ol = $("log");
      ol.textContent = "";
      rows.slice(-100).reverse().forEach(function (r) {
        var li = document.createElement("li");
        li.className = "scan-log-" + r.state;
        li.setAttribute("data-state", r.state);
        li.setAttribute("data-nonce", r.nonce);
        var result = effective(r);
        if (r.kind === "exit") result = r.state === "rejected" ? "exit_refused" : (result === "ok" ? "exit" : result);
        if (r.kind !== "undo" && COLOURS[result]) li.setAttribute("data-colour", COLOURS[result]);
        var flagged = !!(r.server && r.server.flagged);
        if (flagged) li.setAttribute("data-flagged", "yes");
        var title = document.createElement("strong");
        title.textContent = clock(new Date(r.created).toISOString()) + " · " + S[KINDS[r.kind]] + " · " +
          ((r.server && r.server.name) || r.label || S.someone);
        var line = document.createElement("span");
        var parts = [S["log_" + r.state] || r.state];
        if (r.kind !== "undo" && S[result]) parts.push(S[result]);
        if (r.undone && r.state !== "cancelled") parts.push(S.kind_undo);
        if (flagged) parts.push(S.flagged);
        if (r.server && reasonText(r.server.reason)) parts.push(reasonText(r.server.reason));
        if (r.state === "rejected" && r.server && r.server.detail) parts.push(r.server.detail);
        line.textContent = parts.join(" · ");
        li.appendChild(title);
        li.appendChild(line);
        ol.appendChild(li);
      });
    });
  }

  function onAnswered(message) {
    updatePending();
    if (message.type !== "answered") return;
    if (message.state === "done") refreshStatus();  // each answer moves the counter
    Store.getScan(message.nonce).then(function (record) {
      if (!record || record.kind === "undo") return;
      var server = record.server || {};
      if (record.kind === "exit") {  // an exit sent later: only a refusal needs telling
        if (record.state === "rejected") toast((record.label || S.someone) + " · " + S.exit_refused + " · " + (server.detail || ""));
        return;
      }
      if (server.name && !record.label) {
        record.label = server.name;
        Store.putScan(record);
      }
      // The server's verdict counts: say so when it differs from what the phone showed.
      var shown = record.local ? record.local.result : null;
      if (server.flagged || (server.result && shown && shown !== "saved" && server.result !== shown)) {
        toast((server.name || record.label || S.someone) + " · " + (S[server.result] || "") +
          (server.flagged ? " · " + S.flagged : ""));
      }
    });
  }

  /* ---- undo --------------------------------------------------------------------------------------------- */

  function undoLast() {
    return Store.withQueueLock(function () {
      return Store.allScans().then(function (rows) {
        var last = rows.filter(function (r) {
          // an exit is corrected on the Émargement page, not undone here
          return r.kind !== "undo" && r.kind !== "exit" && !r.undone && r.state !== "cancelled" && r.state !== "rejected";
        }).pop();
        if (!last) return null;
        last.undone = true;
        if (last.state === "pending") {  // never sent: it simply will not be
          last.state = "cancelled";
          return Store.putScan(last).then(function () { return last; });
        }
        var nonce = Store.newNonce();
        return Store.putScan(last).then(function () {
          return Store.addScan({ nonce: nonce, kind: "undo", url: "/api/checkin/undo", body: { nonce: last.nonce },
            target: last.nonce, label: (last.server && last.server.name) || last.label, list: last.list });
        }).then(function () { return last; });
      });
    }).then(function (last) {
      state.lastCode = "";
      if (!last) {
        toast(S.undo_nothing);
        return;
      }
      toast(fmt(S.undone, { name: (last.server && last.server.name) || last.label || S.someone }));
      updatePending();
      requestSync();
      flushNow();
    });
  }

  /* ---- search and manual check-in ---------------------------------------------------------------------- */

  function nameOf(row) {
    return row.name || [row.first_name, row.last_name].filter(Boolean).join(" ");
  }

  function search(q) {
    var token = tokenOf(q);
    if (token && q.length >= 16 && !/\s/.test(q)) {  // a ticket code typed or pasted: same as a scan
      closePanels();
      return state.mode === "exit" ? leave(token) : redeem(token);
    }
    $("search-state").textContent = S.sending;
    $("search-results").textContent = "";
    var url = "/api/checkin/search?list=" + encodeURIComponent(state.list) + "&q=" + encodeURIComponent(q);
    return request("GET", url).then(function (data) {
      var rows = Array.isArray(data) ? data : (data.results || data.items || []);
      $("search-state").textContent = rows.length ? "" : S.no_results;
      rows.forEach(function (row) { $("search-results").appendChild(resultRow(row)); });
    }).catch(function () {
      $("search-state").textContent = navigator.onLine === false || !state.authProblem ? S.search_offline : S.search_error;
    });
  }

  function resultRow(row) {
    var li = document.createElement("li");
    var who = document.createElement("div");
    var name = document.createElement("strong");
    name.textContent = nameOf(row);
    who.appendChild(name);
    var detail = [];
    if (row.team !== undefined && row.team !== null && row.team !== "") detail.push(fmt(S.team, { team: row.team }));
    if (row.phone) detail.push(row.phone);
    var at = row.at || row.checked_in_at || row.first_at;
    if (at) detail.push(fmt(S.checked_in_at, { time: clock(at) }));
    else if (row.status && S["status_" + row.status]) detail.push(S["status_" + row.status]);
    if (detail.length) {
      var small = document.createElement("small");
      small.textContent = detail.join(" · ");
      who.appendChild(small);
    }
    li.appendChild(who);
    var actions = document.createElement("div");
    actions.className = "scan-row";
    var choices = state.mode === "exit" ? [["exit", S.mark_exit]] : [["present", S.mark_present], ["late", S.mark_late]];
    choices.forEach(function (pair) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = pair[1];
      button.setAttribute("data-status", pair[0]);
      button.addEventListener("click", function () {
        closePanels();
        if (pair[0] === "exit") leaveByHand(row);
        else manual(row, pair[0]);
      });
      actions.appendChild(button);
    });
    li.appendChild(actions);
    return li;
  }

  function manual(row, status) {
    state.busy = true;
    var nonce = Store.newNonce();
    var registration = row.registration !== undefined ? row.registration : row.id;
    var record = {
      nonce: nonce,
      kind: "manual",
      url: "/api/checkin/manual",
      body: { registration: registration, list: state.list, nonce: nonce, scanned_at: new Date().toISOString(),
        device: state.deviceName, status: status },
      list: state.list,
      local: { result: "ok", name: nameOf(row), team: row.team || "" },
      label: nameOf(row),
    };
    return queueAndTry(record, { source: "local" }).then(function (saved) {
      if (saved && saved.state === "done") {
        showResult(serverVerdict(saved.server || {}, nameOf(row)));
      } else {
        showResult({ result: "ok", name: nameOf(row), team: row.team, source: "local" });
      }
    }).catch(function () { state.busy = false; });
  }

  /* Someone found by the search leaves: the same exit as a scan, by their registration. */
  function leaveByHand(row) {
    state.busy = true;
    var nonce = Store.newNonce();
    var registration = row.registration !== undefined ? row.registration : row.id;
    var record = {
      nonce: nonce,
      kind: "exit",
      url: "/api/checkin/exit",
      body: { registration: registration, list: state.list, nonce: nonce, exited_at: new Date().toISOString(),
        device: state.deviceName },
      list: state.list,
      local: { result: "exit", name: nameOf(row), team: row.team || "" },
      label: nameOf(row),
    };
    return queueAndTry(record, { source: "local" }).then(function (saved) {
      var server = (saved && saved.server) || {};
      if (saved && saved.state === "done") {
        var verdict = serverVerdict(server, nameOf(row));
        if (verdict.result === "ok") verdict.result = "exit";
        showResult(verdict);
      } else if (saved && saved.state === "rejected") {
        showResult({ result: "exit_refused", name: nameOf(row), reason: server.detail || "", source: "server" });
      } else {
        showResult({ result: "saved", name: nameOf(row), team: row.team, source: "local" });
      }
    }).catch(function () { state.busy = false; });
  }

  /* ---- walk-ins ----------------------------------------------------------------------------------------- */

  function walkIn(form) {
    var first = form.first_name.value.trim();
    var last = form.last_name.value.trim();
    var phone = form.phone.value.trim();
    if (!first || !last || !phone) {
      $("walkin-state").textContent = S.walkin_missing;
      return Promise.resolve();
    }
    var name = first + " " + last;
    var nonce = Store.newNonce();
    var record = {
      nonce: nonce,
      kind: "walkin",
      url: "/api/checkin/walk-in",
      body: { list: state.list, first_name: first, last_name: last, phone: phone, nonce: nonce, device: state.deviceName },
      list: state.list,
      local: { result: "ok", name: name },
      label: name,
    };
    $("walkin-state").textContent = S.sending;
    return queueAndTry(record, { source: "local" }).then(function (saved) {
      form.reset();
      $("walkin-state").textContent = "";
      closePanels();
      var sent = saved && saved.state === "done";
      toast(fmt(sent ? S.walkin_saved : S.walkin_queued, { name: name }));
      if (sent) refreshStatus();
    });
  }

  /* ---- panels and wiring -------------------------------------------------------------------------------- */

  function closePanels() {
    ["search-panel", "walkin-panel", "log-panel"].forEach(function (id) { $(id).hidden = true; });
  }

  function openPanel(id, focus) {
    closePanels();
    $(id).hidden = false;
    if (focus) $(focus).focus();
  }

  function wire() {
    $("result").addEventListener("click", hideResult);
    $("open-search").addEventListener("click", function () { openPanel("search-panel", "search-q"); });
    $("open-walkin").addEventListener("click", function () { openPanel("walkin-panel", "walkin-first"); });
    $("pending").addEventListener("click", function () {
      if ($("log-panel").hidden) {
        openPanel("log-panel");
        renderLog();
      } else {
        closePanels();
      }
    });
    $("send-now").addEventListener("click", function () { flushNow().then(renderLog); });
    $("undo").addEventListener("click", undoLast);
    $("mode-entry").addEventListener("click", function () { setMode("entry"); });
    $("mode-exit").addEventListener("click", function () { setMode("exit"); });
    var saved = null;
    try { saved = localStorage.getItem("tremplin.scan.mode"); } catch (e) { saved = null; }
    setMode(saved);
    $("change-list").addEventListener("click", function () {
      localStorage.removeItem(listKey());
      showSetup();
    });
    document.querySelectorAll("[data-close]").forEach(function (b) { b.addEventListener("click", closePanels); });
    $("search-form").addEventListener("submit", function (event) {
      event.preventDefault();
      search($("search-q").value.trim());
    });
    $("walkin-form").addEventListener("submit", function (event) {
      event.preventDefault();
      walkIn(event.target);
    });
    $("event-select").addEventListener("change", function (event) {
      state.event = Number(event.target.value) || null;
      var chosen = config.events.filter(function (e) { return e.id === state.event; })[0];
      state.eventTitle = chosen ? chosen.title : "";
      if (state.event) localStorage.setItem("tremplin.scan.event", String(state.event));
      state.lists = [];
      renderLists();
      if (state.event) loadLists();
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        if (!$("result").hidden) hideResult();
        else closePanels();
      }
    });
    window.addEventListener("online", function () { flushNow(); downloadList(); refreshStatus(); });
    if (Store.channel) Store.channel.onmessage = function (event) { onAnswered(event.data || {}); };
    window.addEventListener("tremplin-scan", function (event) { onAnswered(event.detail || {}); });
    setInterval(function () {
      if (state.list) { downloadList(); refreshStatus(); }
    }, LIST_REFRESH_MS);
  }

  function registerWorker() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.register("/scan/sw.js", { scope: "/scan" }).catch(function () { return null; });
  }

  function start() {
    wire();
    registerWorker();
    loadIdentity().then(function () {
      updatePending();
      retryLoop();
      var remembered = state.event ? localStorage.getItem(listKey()) : null;
      if (remembered && (state.user || state.device)) {
        return Store.getMeta("lists:" + state.event).then(function (lists) {
          state.lists = lists || [];
          chooseList(remembered);
          loadLists().catch(function () { return null; });
        });
      }
      return showSetup();
    });
  }

  start();
})();
