// The embedded web chat: a Direct Line 3.0 client in plain JavaScript, nothing loaded from elsewhere.
// Session data lives in sessionStorage only, so closing the tab, quick exit or erasing leaves nothing behind.
"use strict";

const api = "/v3/directline";
const byId = id => document.getElementById(id);
const log = byId("log"), input = byId("input"), status = byId("status"), note = byId("note");
const exitButton = byId("quick-exit"), forgetButton = byId("forget");
const ours = { exitButton: true };   // tells the host this page has the exit and erase buttons (the privacy line names them)
let session = JSON.parse(sessionStorage.getItem("chat") || "null");
let settings = { exitUrl: "https://www.google.com/search?q=weather", maxLength: 0, numbers: [], words: {} };
let phones = null;          // the numbers of contacts.yaml, made tappable
let socket = null;          // the stream, while it is open
let longPolling = false;    // WebSockets blocked on the way (or this chat open in another tab): long polls instead
let failedOpens = 0;        // streams that never opened although the host answered
let retry = 0;
let leaving = false;        // quick exit: nothing more is shown or started
let erasing = false;        // /forget is on its way: the stream's end is ours, not a reason to start again

function save() { if (session) sessionStorage.setItem("chat", JSON.stringify(session)); }

const at = s => `${api}/conversations/${encodeURIComponent(s.id)}`;

async function call(method, url, body, s = session) {
  const response = await fetch(url, {
    method,
    headers: { "Content-Type": "application/json", ...(s ? { Authorization: "Bearer " + s.token } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!response.ok) throw new Error(String(response.status));
  return response.json();
}

async function start() {
  const loaded = fetch("/webchat/settings").then(r => r.json()).then(use).catch(() => {});
  if (!session) {
    try { await restart(); } catch { await loaded; return later(start); }
  }
  await loaded;
  speak(session.lang);
  session.transcript.forEach(item => render(item));
  connect();
}

function use(given) {
  settings = given;
  const escaped = given.numbers.map(n => n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  phones = escaped.length ? new RegExp(escaped.join("|"), "g") : null;
}

const words = () => settings.words[document.documentElement.lang] || {};

// The page in the conversation's language: <html lang> (for screen readers and fonts) and the header's buttons.
function speak(lang) {
  if (!lang) return;
  document.documentElement.lang = lang;
  const w = words();
  if (!w.exit) return;
  exitButton.textContent = "✕ " + w.exit;
  exitButton.removeAttribute("aria-label");
  forgetButton.textContent = w.forget;
  forgetButton.hidden = false;
}

async function refreshToken() {
  const mine = session;
  if (!mine) return;
  try { const fresh = await call("POST", api + "/tokens/refresh", null, mine); mine.token = fresh.token; save(); } catch { /* the next reconnect gets a new one */ }
}

// A quiet line while the host cannot be reached (a restart, a tunnel); never an error page.
function reconnecting(on) { status.hidden = !on; }

function later(what) {
  reconnecting(true);
  retry = Math.min(retry + 1, 5);
  setTimeout(what, 500 * 2 ** retry);
}

// The stream. Each (re)connect asks for a stream from our watermark, so nothing is lost across a host restart.
async function connect() {
  const mine = session;
  if (!mine || socket || leaving) return;
  if (longPolling) return longPoll();
  let fresh;
  try {
    fresh = await call("GET", `${at(mine)}?watermark=${encodeURIComponent(mine.watermark)}`, null, mine);
  } catch (error) {
    return error.message === "401" ? left(mine) : later(connect);   // 401: expired while the phone slept, or left from another tab
  }
  if (session !== mine || socket) return;
  mine.token = fresh.token;
  save();
  const ws = new WebSocket(fresh.streamUrl);
  let opened = false, quiet = 0;
  const watch = () => { clearTimeout(quiet); quiet = setTimeout(() => ws.close(), 50000); };   // keep-alives come every 20 s
  ws.onopen = () => { opened = true; failedOpens = 0; retry = 0; reconnecting(false); watch(); };
  ws.onmessage = event => { watch(); if (event.data) receive(JSON.parse(event.data), mine); };
  ws.onclose = event => {
    clearTimeout(quiet);
    if (socket === ws) socket = null;
    if (session !== mine || event.reason === "ended") return;
    if (event.reason === "revoked") return left(mine);   // quick exit in another tab, or blocked: that conversation is over
    // Open in another tab too ("collision"), or a proxy that refuses WebSockets: both keep working by long polling.
    if (event.reason === "collision" || (!opened && ++failedOpens >= 2)) { longPolling = true; return longPoll(); }
    later(connect);
  };
  socket = ws;
}

async function longPoll() {
  const mine = session;
  while (session === mine && mine && !leaving) {
    try {
      receive(await call("GET", `${at(mine)}/activities?watermark=${encodeURIComponent(mine.watermark)}&wait=true`, null, mine), mine);
      retry = 0;
      reconnecting(false);
    } catch (error) {
      if (error.message === "401") return left(mine);
      reconnecting(true);
      retry = Math.min(retry + 1, 5);
      await new Promise(resolve => setTimeout(resolve, 500 * 2 ** retry));
    }
  }
}

function receive(set, mine) {
  if (session !== mine) return;   // a conversation this page has left or erased
  for (const activity of set.activities) {
    if (activity.type !== "message" || activity.from?.role !== "bot") continue;   // typing, echoes of our own words
    if (activity.locale && activity.locale !== mine.lang) { mine.lang = activity.locale; speak(mine.lang); }
    // An operator's words: their own bubble, under the name line the host sends (name and role, in the person's language).
    const operator = activity.from.id === "operator";
    const item = { from: operator ? "operator" : "bot", name: operator ? activity.from.name : undefined,
      text: activity.text || "", options: activity.suggestedActions?.actions || [] };
    mine.transcript.push(item);
    render(item);
  }
  mine.watermark = set.watermark;
  save();
}

// Nothing of the old conversation stays: not on the screen, not in this tab's storage, not its stream.
function wipe() {
  session = null;
  sessionStorage.clear();
  log.replaceChildren();
  note.hidden = true;
  if (socket) { const ws = socket; socket = null; ws.close(); }
}

// The conversation's access has ended elsewhere (quick exit or /forget in another tab, a block, an expired token):
// not an error for the person; the page starts clean.
async function left(mine) {
  if (session !== mine || leaving || erasing) return;
  wipe();
  begin();
}

let starting = false;
async function begin() {
  if (starting) return;
  starting = true;
  try { await restart(); } catch { return later(begin); } finally { starting = false; }
  connect();
}

// A new conversation; until the host answers, the old session stays (and is tried again).
async function restart() {
  const response = await fetch(api + "/conversations", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ channelData: ours }) });
  if (!response.ok) throw new Error(String(response.status));
  const created = await response.json();
  wipe();
  session = { id: created.conversationId, token: created.token, watermark: "0", transcript: [] };
  save();
}

// The numbers of contacts.yaml become tel: links; everything else stays text, never HTML.
function withNumbers(text) {
  const parts = [];
  let from = 0;
  for (const found of phones ? text.matchAll(phones) : []) {
    const end = found.index + found[0].length;
    if (/\d/.test(text[found.index - 1] || "") || /\d/.test(text[end] || "")) continue;   // part of a longer number
    const link = document.createElement("a");
    link.href = "tel:" + found[0].replace(/[^\d+]/g, "");
    link.textContent = found[0];
    parts.push(text.slice(from, found.index), link);
    from = end;
  }
  parts.push(text.slice(from));
  return parts;
}

function render(item, press = action => send({ type: "message", value: action.value }, action.title)) {
  for (const old of log.querySelectorAll(".options")) old.remove();   // only the latest question has buttons
  const li = document.createElement("li");
  li.className = "msg " + ({ bot: "bot", operator: "operator" }[item.from] ?? "me");
  if (item.name) {
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = item.name;
    li.append(who, document.createElement("br"));
  }
  li.append(...(item.from === "me" ? [item.text] : withNumbers(item.text)));
  if (item.options && item.options.length) {
    const group = document.createElement("div");
    group.className = "options";
    group.setAttribute("role", "group");
    item.options.forEach((action, i) => {
      // The bot says "or type its number": the number is shown (not read out: typing it is for those who see it).
      const number = document.createElement("span");
      number.className = "n";
      number.setAttribute("aria-hidden", "true");
      number.textContent = i + 1;
      const button = document.createElement("button");
      button.type = "button";
      button.append(number, action.title);
      button.addEventListener("click", () => press(action));
      group.appendChild(button);
    });
    li.appendChild(group);
  }
  log.appendChild(li);
  // A question with many buttons: keep its first line in view.
  li.scrollIntoView({ block: item.from === "me" ? "end" : "start" });
}

// A weak signal can lose the answer to a message that did arrive: the page sends it once more with the same id (the host
// handles it once) and says "Not sent" only if that fails too.
const messageId = () => Array.from(crypto.getRandomValues(new Uint8Array(12)), b => b.toString(16).padStart(2, "0")).join("");

async function send(activity, shown) {
  const mine = session;
  const item = { from: "me", text: shown };
  mine.transcript.push(item);
  render(item);
  save();
  const body = { ...activity, from: { id: "user" }, channelData: { ...ours, messageId: messageId() } };
  for (let attempt = 1; ; attempt++) {
    try {
      await call("POST", `${at(mine)}/activities`, body, mine);
      return;
    } catch (error) {
      if (error.message === "401") return left(mine);
      if (attempt === 2 || /^4/.test(error.message) || session !== mine) {
        if (session === mine) notSent();
        return;
      }
      await new Promise(resolve => setTimeout(resolve, 1500));
    }
  }
}

const notSent = () => render({ from: "bot", text: "⚠ " + (words().notSent || "Not sent. Check the connection and try again."), options: [] });

function tell(text) { note.textContent = text; note.hidden = false; }

byId("composer").addEventListener("submit", event => {
  event.preventDefault();
  const text = input.value.trim();
  if (!text) return;
  // Too long to send: said before sending, and the text stays in the box to be shortened or split.
  if (settings.maxLength && text.length > settings.maxLength) return tell(words().tooLong);
  const command = text.toLowerCase().split(/[\s@]/)[0];
  if (command === "/exit") return quickExit();
  if (command === "/forget") return forget();
  if (!session) return begin();   // after erasing: a new conversation; what was typed stays in the box for it
  input.value = "";
  send({ type: "message", text }, text);
});
input.addEventListener("input", () => { note.hidden = true; });

// Quick exit: end the conversation on the server, wipe this page's state, leave for a neutral site.
function quickExit() {
  leaving = true;
  if (session) {
    fetch(`${at(session)}/activities`, {
      method: "POST", keepalive: true,
      headers: { "Content-Type": "application/json", Authorization: "Bearer " + session.token },
      body: JSON.stringify({ type: "message", text: "/exit", from: { id: "user" }, channelData: ours }),
    }).catch(() => {});
  }
  wipe();
  input.value = "";
  location.replace(settings.exitUrl);
}
exitButton.addEventListener("click", quickExit);

// Erase: the host erases the conversation; then the page and this tab's storage are emptied too, and one line says so.
async function forget() {
  const mine = session;
  if (!mine || erasing) return;
  erasing = true;
  try {
    await call("POST", `${at(mine)}/activities`, { type: "message", text: "/forget", from: { id: "user" }, channelData: ours }, mine);
  } catch (error) {
    erasing = false;
    return error.message === "401" ? left(mine) : notSent();
  }
  wipe();
  erasing = false;
  input.value = "";
  render({ from: "bot", text: words().erased || "✓", options: [{ title: words().startAgain || "↻" }] }, begin);
}
forgetButton.addEventListener("click", forget);

setInterval(refreshToken, 10 * 60 * 1000);
start();
