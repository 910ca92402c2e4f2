// The embedded web chat: a Direct Line 3.0 client in plain JavaScript, nothing loaded from elsewhere.
// Session data lives in sessionStorage only, so closing the tab or quick exit leaves nothing behind.
"use strict";

const api = "/v3/directline";
const log = document.getElementById("log");
const input = document.getElementById("input");
let session = JSON.parse(sessionStorage.getItem("chat") || "null");
let exitUrl = "https://www.google.com/search?q=weather";
let polling = false;

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
  if (!session) await restart();
  session.transcript.forEach(render);
  await poll();
  setInterval(poll, 1500);
  setInterval(refreshToken, 10 * 60 * 1000);
}

async function refreshToken() {
  try { const fresh = await call("POST", "/tokens/refresh"); session.token = fresh.token; save(); } catch { /* next poll retries */ }
}

async function poll() {
  if (polling || !session) return;
  polling = true;
  try {
    const page = await call("GET", `/conversations/${encodeURIComponent(session.id)}/activities?watermark=${session.watermark}`);
    for (const activity of page.activities) {
      // An operator's words: their own bubble, under the name line the host sends (name and role, in the person's language).
      const operator = activity.from?.id === "operator";
      const item = { from: operator ? "operator" : "bot", name: operator ? activity.from.name : undefined,
        text: activity.text || "", options: activity.suggestedActions?.actions || [] };
      session.transcript.push(item);
      render(item);
    }
    session.watermark = page.watermark;
    save();
  } catch (error) {
    // A token that has expired (a phone asleep for an hour): begin a new conversation.
    // Anything else means offline for a moment: the next poll catches up.
    if (error.message === "401") await restart();
  }
  polling = false;
}

async function restart() {
  sessionStorage.clear();
  session = null;
  log.replaceChildren();
  const created = await call("POST", "/conversations");
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
  await poll();
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
