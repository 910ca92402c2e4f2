// The embedded web chat: a Direct Line 3.0 client in plain JavaScript, nothing loaded from elsewhere.
// Session data lives in sessionStorage only, so closing the tab or quick exit leaves nothing behind.
"use strict";

const api = "/v3/directline";
const log = document.getElementById("log");
const input = document.getElementById("input");
let session = JSON.parse(sessionStorage.getItem("chat") || "null");
let exitUrl = "https://www.google.com/search?q=weather";
let socket = null;          // the stream, while it is open
let longPolling = false;    // WebSockets blocked on the way (or this chat open in another tab): long polls instead
let failedOpens = 0;        // streams that never opened although the host answered
let retry = 0;
const status = document.getElementById("status");

function save() { sessionStorage.setItem("chat", JSON.stringify(session)); }

async function call(method, path, body) {
  const response = await fetch(api + path, {
    method,
    headers: { "Content-Type": "application/json", ...(session ? { Authorization: "Bearer " + session.token } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!response.ok) throw new Error(String(response.status));
  return response.json();
}

async function start() {
  fetch("/webchat/settings").then(r => r.json()).then(s => { exitUrl = s.exitUrl; }).catch(() => {});
  if (!session) {
    try { await restart(); } catch { return later(start); }
  }
  session.transcript.forEach(render);
  connect();
  setInterval(refreshToken, 10 * 60 * 1000);
}

async function refreshToken() {
  try { const fresh = await call("POST", "/tokens/refresh"); session.token = fresh.token; save(); } catch { /* the next reconnect gets a new one */ }
}

const path = () => `/conversations/${encodeURIComponent(session.id)}`;

// A quiet line while the host cannot be reached (a restart, a tunnel); never an error page.
function reconnecting(on) { status.hidden = !on; }

function later(what) {
  reconnecting(true);
  retry = Math.min(retry + 1, 5);
  setTimeout(what, 500 * 2 ** retry);
}

// The stream. Each (re)connect asks for a stream from our watermark, so nothing is lost across a host restart.
async function connect() {
  if (longPolling) return longPoll();
  let fresh;
  try {
    fresh = await call("GET", `${path()}?watermark=${encodeURIComponent(session.watermark)}`);
  } catch (error) {
    if (error.message !== "401") return later(connect);
    try { await restart(); } catch { return later(connect); }   // a token that expired while the phone slept
    return connect();
  }
  session.token = fresh.token;
  save();
  const ws = new WebSocket(fresh.streamUrl);
  let opened = false, quiet = 0;
  const watch = () => { clearTimeout(quiet); quiet = setTimeout(() => ws.close(), 50000); };   // keep-alives come every 20 s
  ws.onopen = () => { opened = true; failedOpens = 0; retry = 0; reconnecting(false); watch(); };
  ws.onmessage = event => { watch(); if (event.data) receive(JSON.parse(event.data)); };
  ws.onclose = event => {
    clearTimeout(quiet);
    socket = null;
    if (event.reason === "ended" || event.reason === "revoked") return;
    // Open in another tab too ("collision"), or a proxy that refuses WebSockets: both keep working by long polling.
    if (event.reason === "collision" || (!opened && ++failedOpens >= 2)) { longPolling = true; return longPoll(); }
    later(connect);
  };
  socket = ws;
}

async function longPoll() {
  while (session) {
    try {
      receive(await call("GET", `${path()}/activities?watermark=${encodeURIComponent(session.watermark)}&wait=true`));
      retry = 0;
      reconnecting(false);
    } catch (error) {
      if (error.message === "401") {
        try { await restart(); continue; } catch { /* the host is away: wait as below */ }
      }
      reconnecting(true);
      retry = Math.min(retry + 1, 5);
      await new Promise(resolve => setTimeout(resolve, 500 * 2 ** retry));
    }
  }
}

function receive(set) {
  for (const activity of set.activities) {
    if (activity.type !== "message" || activity.from?.role !== "bot") continue;   // typing, echoes of our own words
    // An operator's words: their own bubble, under the name line the host sends (name and role, in the person's language).
    const operator = activity.from.id === "operator";
    const item = { from: operator ? "operator" : "bot", name: operator ? activity.from.name : undefined,
      text: activity.text || "", options: activity.suggestedActions?.actions || [] };
    session.transcript.push(item);
    render(item);
  }
  session.watermark = set.watermark;
  save();
}

// A new conversation; until the host answers, the old session stays (and is tried again).
async function restart() {
  const response = await fetch(api + "/conversations", { method: "POST", headers: { "Content-Type": "application/json" } });
  if (!response.ok) throw new Error(String(response.status));
  const created = await response.json();
  sessionStorage.clear();
  log.replaceChildren();
  session = { id: created.conversationId, token: created.token, watermark: "0", transcript: [] };
  save();
}

function render(item) {
  for (const old of log.querySelectorAll(".options")) old.remove();   // only the latest question has buttons
  const li = document.createElement("li");
  li.className = "msg " + ({ bot: "bot", operator: "operator" }[item.from] ?? "me");
  if (item.name) {
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = item.name;
    li.append(who, document.createElement("br"));
  }
  li.append(item.text);   // text, never HTML
  if (item.options && item.options.length) {
    const group = document.createElement("div");
    group.className = "options";
    group.setAttribute("role", "group");
    for (const action of item.options) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = action.title;
      button.addEventListener("click", () => send({ type: "message", value: action.value }, action.title));
      group.appendChild(button);
    }
    li.appendChild(group);
  }
  log.appendChild(li);
  // A question with many buttons: keep its first line in view.
  li.scrollIntoView({ block: item.from === "me" ? "end" : "start" });
}

async function send(activity, shown) {
  const item = { from: "me", text: shown };
  session.transcript.push(item);
  render(item);
  save();
  try {
    await call("POST", `/conversations/${encodeURIComponent(session.id)}/activities`, { ...activity, from: { id: "user" } });
  } catch {
    render({ from: "bot", text: "⚠ Not sent. Check the connection and try again.", options: [] });
  }
}

document.getElementById("composer").addEventListener("submit", event => {
  event.preventDefault();
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  send({ type: "message", text }, text);
});

// Quick exit: end the conversation on the server, wipe this page's state, leave for a neutral site.
document.getElementById("quick-exit").addEventListener("click", () => {
  if (session) {
    fetch(`${api}/conversations/${encodeURIComponent(session.id)}/activities`, {
      method: "POST", keepalive: true,
      headers: { "Content-Type": "application/json", Authorization: "Bearer " + session.token },
      body: JSON.stringify({ type: "message", text: "/exit", from: { id: "user" } }),
    }).catch(() => {});
  }
  sessionStorage.clear();
  log.replaceChildren();
  location.replace(exitUrl);
});

start();
