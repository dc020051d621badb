// The message wall's phone page: a character counter under the text box. Help only: the form works
// without it (the box has a maxlength and the server checks the length again).
(function () {
  "use strict";
  var box = document.getElementById("text"), out = document.getElementById("counter");
  if (!box || !out) { return; }
  var max = parseInt(box.dataset.max, 10) || 140;
  function update() {
    // The server counts characters (not UTF-16 units) after folding whitespace into single spaces.
    var n = Array.from(box.value.replace(/\s+/g, " ").trim()).length;
    var over = n > max;
    out.textContent = (over ? box.dataset.over : box.dataset.count)
      .replace("{n}", String(over ? n - max : n)).replace("{max}", String(max));
    out.className = over ? "counter over" : "counter";
  }
  box.addEventListener("input", update);
  update();
}());
