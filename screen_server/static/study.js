// Study on a remembered phone: counts the seconds the member is actually studying this item (the page
// is visible and either a video or audio is playing, or the reader touched, scrolled or typed in the
// last 30 s) and sends them as spans every 30 s and when the page is left, each with a fresh id so a
// span sent twice counts once. The A-/A+ links size an article's text (remembered on this phone).
(function () {
  "use strict";
  var root = document.getElementById("item");
  var url = root.dataset.spans, itemId = parseInt(root.dataset.item, 10);
  var player = document.getElementById("player");
  var GRACE = 30000, EVERY = 30000;
  var lastActivity = Date.now(), lastTick = Date.now(), active = 0, spanStart = null, progress = 0, position = 0, done = false;

  function id() {
    var a = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function touched() { lastActivity = Date.now(); }
  function playing() { return player && !player.paused && !player.ended; }

  function tick() {
    var now = Date.now(), elapsed = now - lastTick;
    lastTick = now;
    if (document.visibilityState !== "visible") { return; }
    if (playing()) { lastActivity = now; }
    var counted = Math.max(0, Math.min(elapsed, lastActivity + GRACE - (now - elapsed)));
    if (counted > 0) {
      if (spanStart === null) { spanStart = now - counted; }
      active += counted;
    }
    if (player && player.duration) {
      position = player.currentTime;
      progress = Math.max(progress, player.currentTime / player.duration);
      done = done || player.ended;
    } else {
      var h = document.documentElement;
      var seen = (window.scrollY + window.innerHeight) / Math.max(1, h.scrollHeight);
      position = seen;
      progress = Math.max(progress, Math.min(1, seen));
      done = done || seen >= 0.98;
    }
  }

  function send(leaving) {
    tick();
    if (active < 1000 || spanStart === null) { return; }
    var end = Date.now();
    var body = JSON.stringify({spans: [{id: id(), item_id: itemId, started_at: new Date(end - active).toISOString(),
      ended_at: new Date(end).toISOString(), active_seconds: Math.round(active / 1000), position: position,
      progress: Math.round(progress * 10000) / 10000, completed: done}]});
    active = 0;
    spanStart = null;
    if (leaving && navigator.sendBeacon) {
      navigator.sendBeacon(url, new Blob([body], {type: "application/json"}));
    } else {
      fetch(url, {method: "POST", credentials: "same-origin", keepalive: true,
                  headers: {"Content-Type": "application/json"}, body: body}).catch(function () {});
    }
  }

  ["touchstart", "scroll", "keydown", "mousedown", "wheel"].forEach(function (name) {
    window.addEventListener(name, touched, {passive: true});
  });
  if (player) { ["play", "seeked", "timeupdate"].forEach(function (n) { player.addEventListener(n, tick); }); }
  setInterval(tick, 1000);
  setInterval(function () { send(false); }, EVERY);
  window.addEventListener("pagehide", function () { send(true); });
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") { send(true); } });

  var body = document.getElementById("body"), size = parseFloat(localStorage.getItem("ar-font") || "1");
  function apply() { if (body) { body.style.fontSize = (19 * size) + "px"; } }
  Array.prototype.forEach.call(document.querySelectorAll("a.size"), function (a) {
    a.addEventListener("click", function (e) {
      e.preventDefault();
      size = Math.max(0.8, Math.min(1.8, size + 0.15 * parseInt(a.dataset.size, 10)));
      localStorage.setItem("ar-font", String(size));
      apply();
      touched();
    });
  });
  apply();
  window.__study = {flush: function () { send(false); }, pretend: function (ms) { lastTick -= ms; lastActivity = Date.now(); }};
}());
