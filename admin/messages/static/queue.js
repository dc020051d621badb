/* 留言墙 moderation page: keep each open topic's 待审核 list and its counts current without a reload.
   Every few seconds it asks pending.json (same session, role and branch scope as the page) and
   - removes the rows moderated meanwhile (here or by another moderator),
   - appends the messages posted meanwhile, with the same 通过 / 不通过 forms as the page's own rows,
   - leaves the other rows alone, so a reason being typed is kept;
   and renews the form token of every form on the page. Optional: without it the page is the plain page
   with its 刷新 link. Members' text is only ever set as text, never as HTML. */
(function () {
  "use strict";

  var root = document.getElementById("live-queue");
  var sections = document.querySelectorAll("section[data-topic]");
  if (!root || !sections.length || !window.fetch) { return; }
  var every = parseInt(root.getAttribute("data-every"), 10) || 3000;
  var say = function (key) { return root.getAttribute("data-" + key) || ""; };

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function token() {
    var input = document.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }

  function form(action, cls) {
    var f = el("form", cls ? { method: "post", action: action, "class": cls } : { method: "post", action: action });
    f.appendChild(el("input", { type: "hidden", name: "csrf_token", value: token() }));
    return f;
  }

  function row(m) {
    var tr = el("tr", { id: "message-" + m.id, "data-message": String(m.id) });
    tr.appendChild(el("td", { "class": "nowrap" }, m.at));
    var who = el("td", { "class": "nowrap" }, m.name);
    who.appendChild(el("br"));
    who.appendChild(el("small", { "class": "muted" }, m.branch));
    tr.appendChild(who);
    tr.appendChild(el("td", { "class": "note" }, m.text));
    var box = el("div", { "class": "row compact" });
    var approve = form(m.approve);
    approve.appendChild(el("button", { type: "submit", "class": "primary small" }, say("approve")));
    var reject = form(m.reject, "row compact");
    reject.appendChild(el("label", { "class": "sr-only", "for": "reason-" + m.id }, say("reason")));
    reject.appendChild(el("input", { id: "reason-" + m.id, name: "reason", maxlength: "100",
                                     placeholder: say("reason-placeholder") }));
    reject.appendChild(el("button", { type: "submit", "class": "small danger" }, say("reject")));
    box.appendChild(approve);
    box.appendChild(reject);
    var cell = el("td");
    cell.appendChild(box);
    tr.appendChild(cell);
    return tr;
  }

  function status(section, text) {
    var node = section.querySelector("[data-live-status]");
    if (node) { node.textContent = text ? "· " + text : ""; }
  }

  function show(section, topic) {
    section.querySelector("[data-summary]").textContent = topic.summary;
    var body = section.querySelector("[data-pending]");
    var wanted = {};
    topic.pending.forEach(function (m) { wanted[m.id] = true; });
    var shown = {};
    Array.prototype.forEach.call(body.querySelectorAll("tr[data-message]"), function (tr) {
      var id = tr.getAttribute("data-message");
      if (wanted[id]) { shown[id] = true; } else { body.removeChild(tr); }
    });
    // Waiting messages never come back once moderated, so anything new is newer: it goes last.
    topic.pending.forEach(function (m) { if (!shown[m.id]) { body.appendChild(row(m)); } });
    body.closest(".tablewrap").hidden = !topic.pending.length;
    section.querySelector("[data-pending-empty]").hidden = topic.pending.length > 0;
  }

  function apply(data) {
    if (data.csrf_token) {
      document.querySelectorAll("input[name=csrf_token]").forEach(function (i) { i.value = data.csrf_token; });
    }
    var byId = {};
    data.topics.forEach(function (t) { byId[t.id] = t; });
    var onPage = {};
    Array.prototype.forEach.call(sections, function (s) { onPage[s.getAttribute("data-topic")] = true; });
    var added = data.topics.some(function (t) { return !onPage[t.id]; });
    Array.prototype.forEach.call(sections, function (section) {
      var topic = byId[section.getAttribute("data-topic")];
      if (topic) { show(section, topic); }
      status(section, !topic || added ? say("changed") : say("live"));
    });
  }

  function paused() {
    Array.prototype.forEach.call(sections, function (section) { status(section, say("paused")); });
  }

  function tick() {
    if (document.hidden) { setTimeout(tick, every); return; }  // a background tab catches up when shown
    fetch(root.getAttribute("data-url"), { headers: { Accept: "application/json" }, credentials: "same-origin",
                                           redirect: "manual", cache: "no-store" })
      .then(function (r) {
        if (!r.ok || r.type === "opaqueredirect") { throw new Error("HTTP " + r.status); }
        return r.json();
      })
      .then(apply)
      .catch(paused)
      .then(function () { setTimeout(tick, every); });
  }

  Array.prototype.forEach.call(sections, function (section) { status(section, say("live")); });
  setTimeout(tick, every);
})();
