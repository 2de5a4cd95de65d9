/* Tremplin: pairing a phone for check-in. The console shows a QR code with <base>/scan/pair#<token>;
 * the token never reaches a server log (it is in the fragment), is exchanged here, kept in the phone's
 * storage, and the check-in opens. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("scan-config").textContent);
  var S = config.strings;
  var status = document.getElementById("pair-state");
  var token = decodeURIComponent(location.hash.replace(/^#/, ""));
  history.replaceState(null, "", location.pathname);  // do not leave the token in the history

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/scan/sw.js", { scope: "/scan" }).catch(function () { return null; });
  }

  function fail(text) {
    status.textContent = text;
    document.body.setAttribute("data-paired", "no");
  }

  if (!token) {
    fail(S.pair_missing);
    return;
  }
  fetch("/api/checkin/pair", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json",
      "x-csrftoken": document.body.getAttribute("data-csrf") || "" },
    body: JSON.stringify({ token: token }),
    credentials: "same-origin",
  }).then(function (response) {
    if (!response.ok) throw new Error("HTTP " + response.status);
    return response.json();
  }).then(function (paired) {
    var device = {
      token: token,
      event: paired.event,
      event_title: paired.event_title,
      device: paired.device,
      expires_at: paired.expires_at,
    };
    localStorage.setItem("tremplin.device", JSON.stringify(device));
    return self.TremplinScanStore.setMeta("device", device);
  }).then(function () {
    document.body.setAttribute("data-paired", "yes");
    document.getElementById("pair-continue").hidden = false;
    location.replace("/scan");
  }).catch(function () {
    fail(S.pair_failed);
  });
})();
