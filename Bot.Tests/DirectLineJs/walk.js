// Walks a conversation with Microsoft's botframework-directlinejs against the host's Direct Line endpoints,
// as a website embedding Web Chat would: node [--experimental-websocket] walk.js <domain> <token> websocket|polling <button title>...
// Prints one JSON line: the conversation id, every bot text, the last prompt, the echoes received, GETs of activities and sockets opened.
"use strict";

const [domain, token, mode, ...titles] = process.argv.slice(2);
const webSocket = mode === "websocket";
// Counted, to show which way the activities came: GETs of /activities (polling) or sockets opened.
let gets = 0, sockets = 0;
const Request = require("xhr2");   // the library's ajax needs the browser's XMLHttpRequest
global.XMLHttpRequest = class extends Request {
  open(method, url, ...rest) { if (method === "GET" && /\/activities/.test(url)) gets++; return super.open(method, url, ...rest); }
};
// Node 20 has the browser's WebSocket behind --experimental-websocket; with polling the library must never open one.
if (!webSocket) global.WebSocket = class { constructor() { throw new Error("polling only"); } };
else if (typeof WebSocket === "undefined") throw new Error("run node with --experimental-websocket");
else global.WebSocket = class extends WebSocket { constructor(url) { super(url); sockets++; } };
const { DirectLine } = require("botframework-directlinejs");

const directLine = new DirectLine({ domain, token, webSocket, pollingInterval: 200, timeout: 10000 });
const received = [];
let wake = () => {};
directLine.activity$.subscribe(activity => { received.push(activity); wake(); });

function waitFor(predicate, what) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timed out waiting for " + what)), 15000);
    const check = () => {
      const found = received.find(predicate);
      if (found) { clearTimeout(timer); wake = () => {}; resolve(found); } else { wake = check; }
    };
    check();
  });
}

const fromBot = a => a.from && a.from.role === "bot";
const options = a => (a.suggestedActions && a.suggestedActions.actions) || [];

(async () => {
  let prompt = await waitFor(a => fromBot(a) && options(a).length > 0, "the greeting");
  let echoes = 0;
  const answered = new Set();   // ids of the prompts already answered
  for (const [i, title] of titles.entries()) {
    const action = options(prompt).find(o => o.title === title);
    if (!action) throw new Error("no option " + title + " on " + prompt.text);
    const clientActivityID = "client-" + i;
    const id = await new Promise((resolve, reject) => directLine.postActivity({
      type: "message", from: { id: "user", role: "user" }, value: action.value, text: title, channelData: { clientActivityID },
    }).subscribe(resolve, reject));
    const echo = await waitFor(a => a.channelData && a.channelData.clientActivityID === clientActivityID, "the echo of " + title);
    if (echo.id === id) echoes++;
    // Not "the next one received after the echo": the library emits each ActivitySet's activities on its async scheduler, so
    // two sets that arrive together interleave and the reply may come out before the echo. Web Chat orders by timestamp.
    answered.add(prompt.id);
    prompt = await waitFor(a => fromBot(a) && options(a).length > 0 && !answered.has(a.id), "the reply to " + title);
    const [echoed, replied] = [Date.parse(echo.timestamp), Date.parse(prompt.timestamp)];
    if (!Number.isFinite(echoed) || !Number.isFinite(replied)) throw new Error("no timestamp on the echo or the reply to " + title);
    if (replied < echoed) throw new Error("the reply to " + title + " is stamped before its echo");
  }
  console.log(JSON.stringify({
    conversationId: directLine.conversationId,
    texts: received.filter(fromBot).map(a => a.text),
    prompt: prompt.text,
    echoes,
    gets,
    sockets,
  }));
  directLine.end();
  process.exit(0);
})().catch(error => { console.error(String(error && error.stack || error)); process.exit(1); });
