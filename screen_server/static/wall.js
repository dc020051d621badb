// The wall as a web page: the same snapshot and events as the Kivy wall, over the room's WebSocket.
// Shows, by priority: an emergency, the meeting console's step (agenda and quorum, a ballot, the contest,
// the message wall, a photo), a live contest, an open sign-in, an open poll, an open message-wall topic,
// else announcements and figures. The automatic order applies only while no console step is active.
// Members' messages are set as text, never as HTML. A hidden ballot shows its turnout, never totals.
// No libraries, nothing from other hosts; reconnects with a fresh ticket.
(function () {
  "use strict";
  var root = document.getElementById("wall");
  var ticketUrl = root.dataset.ticketUrl, qrUrl = root.dataset.qrUrl;
  var state = {announcements: [], signin: null, stats: null, contest: null, emergencies: [], room: null,
               poll: null, message_wall: null, console: null};
  var base = "", roomId = null, annIndex = 0, retry = 500, lastSeq = 0;

  function $(id) { return document.getElementById(id); }
  function text(id, v) { $(id).textContent = v == null ? "" : String(v); }
  function el(tag, cls, content) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (content != null) { e.textContent = String(content); }
    return e;
  }
  function qr(data) {
    var url = (data && (data.url || (base + data.path))) || "";
    return url ? qrUrl + "&text=" + encodeURIComponent(url) : "";
  }

  function route() {
    var urgent = (state.emergencies || []).filter(function (e) {  // a web wall is no chosen device
      var rooms = e.room_ids || [], devices = e.device_ids || [];
      return (!rooms.length && !devices.length) || rooms.indexOf(roomId) >= 0;
    });
    var step = state.console && state.console.step;
    var stepped = step === "poll" && state.console.poll ? "poll" :
      step === "contest" && state.contest ? "contest" : step === "messages" && state.message_wall ? "messages" :
      step ? "agenda" : null;
    var page = urgent.length ? "emergency" : stepped ? stepped :
      (state.contest && state.contest.status !== "finished") ? "contest" : state.signin ? "signin" :
      state.poll ? "poll" : state.message_wall ? "messages" : "home";
    ["home", "signin", "poll", "messages", "contest", "agenda", "emergency"].forEach(function (p) { $(p).hidden = p !== page; });
    if (page === "agenda") { renderAgenda(); }
    if (page === "emergency") { text("em-title", urgent[0].title); text("em-body", urgent[0].body); }
    if (page === "signin") { renderSignin(); }
    if (page === "contest") { renderContest(); }
    if (page === "poll") { renderPoll(stepped === "poll" ? state.console.poll : state.poll); }
    if (page === "messages") { renderMessages(); }
    if (page === "home") { renderHome(); }
    document.body.dataset.page = page;
  }

  function quorumLine(c) {
    if (!c || c.quorum == null) { return ""; }
    return "有表决权实到 " + (c.voting_signed || 0) + " / " + (c.voting_expected || 0) + " · " +
      (c.quorum ? "已达到法定人数" : "未达到法定人数（至少 " + (c.quorum_needed || 0) + " 人）");
  }

  function renderAgenda() {
    var k = state.console, m = k.meeting || {}, c = k.counts || {}, list = $("agenda-items"), box = $("agenda-figures");
    text("agenda-title", m.title);
    text("agenda-sub", [m.type_label, m.host ? "主持人 " + m.host : ""].filter(Boolean).join(" · "));
    text("agenda-heading", {quorum: "到会情况", photo: "活动照片"}[k.step] || "会议议程");
    list.textContent = "";
    (k.agenda || []).forEach(function (line) { list.appendChild(el("li", null, line)); });
    var photo = k.step === "photo" && k.photo;
    $("agenda-photo").hidden = !photo;
    list.hidden = !!photo;
    if (photo) { $("agenda-img").setAttribute("src", base + photo.path); text("agenda-caption", photo.caption); }
    box.textContent = "";
    [[c.expected, "应到"], [c.signed, "实到"], [c.voting_signed, "有表决权实到（应到 " + (c.voting_expected || 0) + "）"],
     [c.on_leave, "请假"]].forEach(function (pair) {
      var d = el("div", "figure");
      d.appendChild(el("b", null, pair[0] || 0));
      d.appendChild(el("span", null, pair[1]));
      box.appendChild(d);
    });
    var q = el("p", c.quorum ? "quorum ok" : "quorum", c.quorum == null ? "不作表决，无法定人数要求" : quorumLine(c));
    box.appendChild(q);
  }

  function renderHome() {
    var items = state.announcements || [];
    var a = items.length ? items[annIndex % items.length] : null;
    text("ann-title", a ? a.title : "暂无公告");
    text("ann-body", a ? a.body : "");
    var box = $("figures");
    box.textContent = "";
    var f = state.stats && state.stats.figures;
    if (!f) { return; }
    [[f.today.people, "今日到访（人）"], [f.today.study_minutes, "今日学习（分钟）"],
     [f.week.learners, "本周学习人数"], [f.month.signins, "本月会议签到（人次）"]].forEach(function (pair) {
      var d = el("div", "figure");
      d.appendChild(el("b", null, pair[0]));
      d.appendChild(el("span", null, pair[1]));
      box.appendChild(d);
    });
  }

  function renderSignin() {
    var s = state.signin, c = s.counts || {};
    text("signin-title", s.meeting ? s.meeting.title : "");
    text("signed", c.signed || 0);
    text("expected", c.expected || 0);
    text("rate", c.rate != null ? Math.round(c.rate * 100) + "%" : "");
    text("signin-quorum", quorumLine(c));
    var src = qr(s.qr);
    if ($("signin-qr").getAttribute("src") !== src) { $("signin-qr").setAttribute("src", src); }
    var list = $("arrivals");
    list.textContent = "";
    (s.recent || []).slice(0, 24).forEach(function (a) {
      list.appendChild(el("li", null, a.name + (a.late ? "（迟到）" : a.guest ? "（列席）" : "")));
    });
  }

  function setQr(id, data) {
    var src = qr(data);
    if ($(id).getAttribute("src") !== src) { $(id).setAttribute("src", src); }
  }

  function renderPoll(p) {
    var box = $("poll-bars"), options = (p.options || []).filter(function (o) { return o.count != null; });
    var turnout = "已投 " + (p.voters || 0) + (p.eligible != null ? " / " + p.eligible : "") + " 人";
    text("poll-title", p.title);
    text("poll-note", (p.anonymous ? "无记名投票 · " : "") + turnout + (p.average ? " · 平均 " + p.average + " 分" : "") +
      (p.open ? "" : p.revealed ? " · 结果已公布" : " · 投票已结束"));
    setQr("poll-qr", {path: "/v/" + p.id});
    box.textContent = "";
    if (!options.length) {  // totals hidden until the host reveals them: the turnout alone
      var t = el("div", "barrow"), tr = el("span", "track"), b = el("span", "bar");
      t.appendChild(el("span", "name", "投票进度"));
      b.style.width = ((p.voters || 0) / Math.max(p.eligible || p.voters || 1, 1) * 100) + "%";
      tr.appendChild(b);
      t.appendChild(tr);
      t.appendChild(el("b", null, (p.voters || 0) + (p.eligible != null ? " / " + p.eligible : "")));
      box.appendChild(t);
      return;
    }
    var top = Math.max.apply(null, options.map(function (o) { return o.count || 0; }).concat([1]));
    options.forEach(function (o) {
      var row = el("div", "barrow");
      row.appendChild(el("span", "name", p.kind === "rating" ? new Array(o.index + 2).join("★") : o.text));
      var track = el("span", "track"), bar = el("span", "bar");
      bar.style.width = ((o.count || 0) / top * 100) + "%";
      track.appendChild(bar);
      row.appendChild(track);
      row.appendChild(el("b", null, p.form === "appraisal" ? "优秀 " + (o.count || 0) : (o.count || 0) + " 票"));
      box.appendChild(row);
    });
  }

  function renderMessages() {
    var w = state.message_wall, box = $("message-cards"), items = (w.messages || []).slice(0, 6);
    text("messages-title", w.title);
    text("messages-note", "已上墙 " + (w.approved || 0) + " 条 · " + (w.branch ? "仅限" + w.branch + "党员" : "全体党员均可留言"));
    setQr("messages-qr", {url: w.url, path: w.path});
    box.textContent = "";
    items.forEach(function (m, i) {
      var card = el("div", i === 0 ? "card newest" : "card");
      card.appendChild(el("p", m.text.length > 80 ? "text small" : "text", m.text));
      card.appendChild(el("span", "who", m.name + (m.branch ? " · " + m.branch : "")));
      box.appendChild(card);
    });
    $("messages-empty").hidden = items.length > 0;
  }

  function renderContest() {
    var c = state.contest, body = $("contest-body");
    text("contest-title", "知识竞赛 · " + c.title + (c.index ? "  第 " + c.index + " / " + c.total + " 题" : ""));
    body.textContent = "";
    if (c.status === "lobby") {
      var img = el("img");
      img.setAttribute("src", qr({path: "/c/" + c.code}));
      img.setAttribute("alt", "加入二维码");
      img.style.width = "40vh";
      body.appendChild(img);
      body.appendChild(el("p", null, "竞赛码 " + c.code + " · 已加入 " + c.players + " 人"));
      body.appendChild(el("p", null, (c.lobby || []).join("  ")));
    } else if (c.status === "question" && c.question) {
      body.appendChild(el("p", null, c.question.stem));
      var grid = el("div", "options");
      c.question.options.forEach(function (o) { grid.appendChild(el("div", null, (o.label === o.text ? "" : o.label + ". ") + o.text)); });
      body.appendChild(grid);
      body.appendChild(el("p", "countdown"));
    } else if (c.status === "reveal") {
      body.appendChild(el("p", null, "正确答案：" + c.answer));
      var total = Math.max(1, c.answered || 0), dist = el("div", "board");
      (c.distribution || []).forEach(function (d) {
        var row = el("div", null, d.label + " " + d.count + " 人 ");
        var bar = el("span", "bar");
        bar.style.width = (d.count / total * 30) + "vw";
        row.appendChild(bar);
        dist.appendChild(row);
      });
      body.appendChild(dist);
    }
    if (c.board && c.status !== "question") {
      var board = el("div", "board");
      c.board.forEach(function (r) { board.appendChild(el("div", null, "第" + r.rank + "名  " + r.name + "  " + r.branch + "  " + r.score)); });
      body.appendChild(board);
    }
  }

  function apply(msg) {
    if (msg.type === "snapshot") {
      var s = msg.state || {};
      lastSeq = msg.seq || 0;
      state.announcements = s.announcements || [];
      state.signin = s.signin || null;
      state.stats = s.stats || state.stats;
      state.contest = s.contest || null;
      state.emergencies = s.emergencies || [];
      state.poll = s.poll || null;
      state.message_wall = s.message_wall || null;
      state.console = s.console || null;
      roomId = s.room ? s.room.id : roomId;
      if (s.room) { text("room", s.room.name); }
      route();
      return;
    }
    if (msg.seq && msg.seq <= lastSeq) { return; }
    switch (msg.type) {
      case "announcement.published":
        state.announcements = [msg.announcement].concat(state.announcements.filter(function (a) { return a.id !== msg.announcement.id; }));
        break;
      case "announcement.withdrawn":
        state.announcements = state.announcements.filter(function (a) { return a.id !== msg.id; });
        break;
      case "signin.opened": state.signin = msg.signin; break;
      case "signin.closed": state.signin = null; break;
      case "signin.qr": if (state.signin) { state.signin.qr = msg.qr; } break;
      case "signin.recorded":
        if (state.signin) {
          state.signin.counts = msg.counts || state.signin.counts;
          if (msg.attendee) { state.signin.recent = [msg.attendee].concat(state.signin.recent || []).slice(0, 50); }
        }
        break;
      case "stats.updated": state.stats = msg.stats; break;
      case "contest.state": state.contest = msg.contest; break;
      case "emergency.changed": state.emergencies = msg.emergencies || []; break;
      case "poll.updated":
        state.poll = msg.poll && msg.poll.open ? msg.poll : null;
        if (state.console && state.console.poll && msg.poll && state.console.poll.id === msg.poll.id) { state.console.poll = msg.poll; }
        break;
      case "console.updated": state.console = msg.console || null; break;
      case "messages.updated":
        // A late change to a closed topic must not blank the topic the room shows now.
        if (msg.message_wall && msg.message_wall.open) { state.message_wall = msg.message_wall; }
        else if (!state.message_wall || !msg.message_wall || state.message_wall.id === msg.message_wall.id) { state.message_wall = null; }
        break;
      default: return;
    }
    route();
  }

  function connect() {
    fetch(ticketUrl, {cache: "no-store"}).then(function (r) { return r.json(); }).then(function (t) {
      base = (t.public_url || t.server || "").replace(/\/$/, "");
      var ws = new WebSocket(t.ws_url);
      ws.onopen = function () { ws.send(JSON.stringify({type: "hello", protocol: 1, ticket: t.ticket, version: "web-wall"})); };
      ws.onmessage = function (e) {
        var msg = JSON.parse(e.data);
        if (msg.type === "welcome") { retry = 500; text("link", ""); }
        apply(msg);
      };
      ws.onclose = function () { text("link", "连接中断，正在重新连接…"); setTimeout(connect, retry); retry = Math.min(retry * 2, 10000); };
    }).catch(function () { text("link", "连接中断，正在重新连接…"); setTimeout(connect, retry); retry = Math.min(retry * 2, 10000); });
  }

  setInterval(function () {
    var now = new Date();
    text("clock", String(now.getHours()).padStart(2, "0") + ":" + String(now.getMinutes()).padStart(2, "0"));
  }, 1000);
  setInterval(function () { annIndex += 1; if (!$("home").hidden) { renderHome(); } }, 12000);
  connect();
  window.__wall = {state: function () { return state; }};
}());
