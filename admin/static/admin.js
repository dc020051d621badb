/* The admin's only script, and it is optional: every page works without it.
   - forms marked data-confirm ask before they submit (revoke a device, withdraw an announcement);
   - buttons marked data-print print the page (PIN slips);
   - device previews reload themselves, quickly for a while after "刷新预览". */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) { window.print(); }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  function reload(img) {
    var probe = new Image();
    probe.onload = function () {
      img.src = probe.src;
      img.hidden = false;
    };
    probe.src = img.getAttribute("data-src") + "?t=" + Date.now();
  }

  function start() {
    var previews = document.querySelectorAll("img[data-preview]");
    previews.forEach(function (img) {
      img.addEventListener("error", function () { img.hidden = true; });
    });
    if (!previews.length) { return; }
    setInterval(function () { previews.forEach(reload); }, 30000);
    var asked = location.hash && document.querySelector(location.hash + " img[data-preview]");
    if (asked) {
      var tries = 0;
      var quick = setInterval(function () {
        reload(asked);
        tries += 1;
        if (tries >= 10) { clearInterval(quick); }
      }, 3000);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
