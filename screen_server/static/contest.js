// A player's phone in a live contest: follows the contest over the room's WebSocket (the same
// contest.state messages the wall gets), shows each question with the server's countdown, sends the
// answer once, and shows right or wrong when the question closes. Reconnects with a fresh ticket.
// No libraries, no other hosts.
(function () {
  "use strict";
  var root = document.getElementById("contest");
  var meUrl = root.dataset.meUrl, answerUrl = root.dataset.answerUrl;
  var playerId = parseInt(root.dataset.player, 10);
  var offset = 0, state = null, sentFor = 0, mine = {}, timer = null, socket = null, retry = 500;

  function $(id) { return document.getElementById(id); }
  function show(id, on) { $(id).hidden = !on; }
  function text(id, value) { $(id).textContent = value; }

  function fetchMe() {
    return fetch(meUrl, {credentials: "same-origin", cache: "no-store"}).then(function (r) {
      if (!r.ok) { throw new Error("me " + r.status); }
      return r.json();
    }).then(function (data) {
      offset = Date.parse(data.server_time) - Date.now();
      mine = data.me;
      if (mine.answered_current && data.contest) { sentFor = data.contest.index; }
      render(data.contest);
      return data;
    });
  }

  function connect() {
    fetchMe().then(function (data) {
      if (!data.ticket) { return; }
      socket = new WebSocket(data.ws_url);
      socket.onopen = function () {
        socket.send(JSON.stringify({type: "hello", protocol: 1, ticket: data.ticket, version: "phone"}));
      };
      socket.onmessage = function (event) {
        var msg = JSON.parse(event.data);
        if (msg.type === "welcome") { retry = 500; text("link", ""); }
        if (msg.type === "snapshot" && msg.state && msg.state.contest) { render(msg.state.contest); }
        if (msg.type === "contest.state" && msg.contest && msg.contest.id === state.id) {
          var phaseChanged = !state || msg.contest.status !== state.status || msg.contest.index !== state.index;
          render(msg.contest);
          if (phaseChanged && (msg.contest.status === "reveal" || msg.contest.status === "finished")) { fetchMe(); }
        }
      };
      socket.onclose = function () {
        text("link", "连接中断，正在重新连接…");
        setTimeout(connect, retry);
        retry = Math.min(retry * 2, 8000);
      };
    }).catch(function () {
      text("link", "连接中断，正在重新连接…");
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 8000);
    });
  }

  function countdown() {
    if (!state || state.status !== "question" || !state.question) { return; }
    var left = Math.max(0, Math.ceil((Date.parse(state.question.closes_at) - (Date.now() + offset)) / 1000));
    text("countdown", left + " 秒");
  }

  function answer(value) {
    if (!state || sentFor === state.index) { return; }
    sentFor = state.index;
    renderQuestion();
    fetch(answerUrl, {method: "POST", credentials: "same-origin", headers: {"Content-Type": "application/json"},
                      body: JSON.stringify({player_id: playerId, index: state.index, answer: value})})
      .then(function (r) { return r.json().then(function (body) { return {ok: r.ok, body: body}; }); })
      .then(function (res) {
        if (!res.ok) {
          text("error", res.body.error ? res.body.error.message : "提交失败");
          show("error", true);
        } else { show("error", false); }
      })
      .catch(function () { sentFor = 0; text("error", "网络中断，请再点一次"); show("error", true); renderQuestion(); });
  }

  function renderQuestion() {
    var q = state.question, box = $("options");
    text("stem", q.stem);
    box.textContent = "";
    var answered = sentFor === state.index;
    show("blank", q.kind === "fill_blank" && !answered);
    if (q.kind !== "fill_blank") {
      var picked = [];
      q.options.forEach(function (o) {
        var b = document.createElement("button");
        b.type = "button";
        b.className = "option";
        b.textContent = (o.label === o.text ? "" : o.label + ". ") + o.text;
        b.disabled = answered;
        b.dataset.label = o.label;
        b.onclick = function () {
          if (q.kind === "multiple") {
            var i = picked.indexOf(o.label);
            if (i >= 0) { picked.splice(i, 1); b.classList.remove("picked"); } else { picked.push(o.label); b.classList.add("picked"); }
          } else { answer(o.label); }
        };
        box.appendChild(b);
      });
      if (q.kind === "multiple" && !answered) {
        var submit = document.createElement("button");
        submit.type = "button";
        submit.className = "primary";
        submit.textContent = "提交（多选）";
        submit.onclick = function () { if (picked.length) { answer(picked.sort().join("")); } };
        box.appendChild(submit);
      }
    }
    show("sent", answered);
  }

  function render(contest) {
    if (!contest) { return; }
    state = contest;
    text("progress", contest.total ? ("第 " + Math.max(contest.index, 1) + " / " + contest.total + " 题") : "");
    text("players", contest.players);
    text("score", mine.score || 0);
    text("rank", mine.rank ? (" · 第 " + mine.rank + " 名") : "");
    show("lobby", contest.status === "lobby");
    show("question", contest.status === "question");
    show("reveal", contest.status === "reveal");
    show("finished", contest.status === "finished");
    if (contest.status === "question") { renderQuestion(); countdown(); }
    if (contest.status === "reveal") {
      text("answer", contest.answer || "");
      text("explanation", contest.explanation || "");
      var last = mine.last && mine.last.index === contest.index ? mine.last : null;
      text("verdict", last ? (last.correct ? "回答正确 +" + last.points + " 分" : "回答错误") :
                      (sentFor === contest.index ? "已作答" : "本题未作答"));
    }
    if (contest.status === "finished") {
      text("final", (mine.name || "") + "：" + (mine.score || 0) + " 分" + (mine.rank ? "，第 " + mine.rank + " 名" : ""));
    }
  }

  $("blank").onsubmit = function (event) {
    event.preventDefault();
    var value = $("blank-input").value.trim();
    if (value) { answer(value); }
  };
  timer = setInterval(countdown, 250);
  connect();
  window.__contest = {state: function () { return state; }, me: function () { return mine; }};
}());
