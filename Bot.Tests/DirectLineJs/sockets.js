// Two botframework-directlinejs clients on one conversation, as a copied token would make them:
//   node --experimental-websocket sockets.js <domain> <token>
// The first opens its stream and gets the greeting; the second opens the same conversation (its socket must close the
// first's with "collision"), then sends /exit (its own socket must close with "revoked"). Prints one JSON line: every
// socket's close in order ({socket, code, reason}) and whether the second client got the greeting over its stream.
"use strict";

const [domain, token] = process.argv.slice(2);
if (typeof WebSocket === "undefined") throw new Error("run node with --experimental-websocket");
const closes = [];
let opened = 0;
global.WebSocket = class extends WebSocket {
  constructor(url) {
    super(url);
    const socket = ++opened;
    this.addEventListener("close", e => closes.push({ socket, code: e.code, reason: e.reason }));
  }
};
global.XMLHttpRequest = require("xhr2");
const { DirectLine } = require("botframework-directlinejs");

function until(predicate, what) {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 15000;
    const check = () => predicate() ? resolve() : Date.now() > deadline ? reject(new Error("timed out waiting for " + what)) : setTimeout(check, 50);
    check();
  });
}

(async () => {
  // Retries come after 3–15 s in the library: the run below is over before either client reconnects.
  const first = new DirectLine({ domain, token, webSocket: true });
  let firstGot = 0;
  first.activity$.subscribe(() => firstGot++);
  await until(() => firstGot > 0 && opened === 1, "the first client's greeting");

  const second = new DirectLine({ domain, token, conversationId: first.conversationId, webSocket: true });
  let secondGot = 0;
  second.activity$.subscribe(() => secondGot++);
  await until(() => closes.some(c => c.socket === 1), "the first socket's close");
  await until(() => secondGot > 0, "the second client's activities");

  await new Promise((resolve, reject) => second.postActivity({ type: "message", from: { id: "user", role: "user" }, text: "/exit" })
    .subscribe(resolve, reject));
  await until(() => closes.some(c => c.socket === 2), "the second socket's close");
  console.log(JSON.stringify({ closes, opened, secondGot }));
  first.end();
  second.end();
  process.exit(0);
})().catch(error => { console.error(String(error && error.stack || error)); process.exit(1); });
