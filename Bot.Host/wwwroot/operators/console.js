'use strict';
// The operator's console. Everything a person typed goes on the page with textContent, never as HTML.
// The page is drawn from `state` by render() alone, synchronously: no await between clearing a part and filling it,
// so two redraws can never leave two reply boxes; the reply box itself is one element, moved, never re-created.
const strings = JSON.parse(document.getElementById('strings').textContent);
const t = (key, values) => Object.entries(values ?? {}).reduce((s, [k, v]) => s.replaceAll(`{${k}}`, v), strings[key] ?? key);
const antiforgery = document.querySelector('meta[name="antiforgery"]').content;
const lang = document.documentElement.lang;
const state = {
  me: null, tickets: [], detail: null, selected: sessionStorage.getItem('selected'), canned: {}, seen: null,
  online: true, cannedIndex: 0, refused: 0,
};

// ---- talking to the host -------------------------------------------------------------------------------------
async function call(path, options) {
  const r = await fetch('/api/operator' + path, Object.assign({ credentials: 'same-origin' }, options));
  if (r.status === 401) { location.href = '/operators/signin'; throw new Error('signed out'); }
  return r;
}
const post = (path, body) => call(path, {
  method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-TOKEN': antiforgery }, body: JSON.stringify(body ?? {}),
});
/** An action the operator must know failed (a message not sent is a person not answered): said in their language. */
async function act(path, body) {
  let r;
  try { r = await post(path, body); } catch { say(t('error.network')); return false; }
  if (!r.ok) say((await r.json().catch(() => ({}))).detail ?? t('error.network'));
  await refresh();
  return r.ok;
}

// ---- drafts: kept per ticket for the tab's life (redraws, switches, a reload) ------------------------------------
const draftKey = id => 'draft:' + id;
const draft = id => sessionStorage.getItem(draftKey(id)) ?? '';
const keepDraft = (id, text) => text ? sessionStorage.setItem(draftKey(id), text) : sessionStorage.removeItem(draftKey(id));
const anyDraft = () => Object.keys(sessionStorage).some(k => k.startsWith('draft:') && sessionStorage.getItem(k).trim());
addEventListener('beforeunload', e => { if (anyDraft()) { e.preventDefault(); e.returnValue = ''; } });

// ---- time in the operator's language and local time (Tickets:UtcOffsetHours) ----------------------------------
const utc = iso => iso ? Date.parse(iso.endsWith('Z') ? iso : iso + 'Z') : null;
function duration(ms) {
  const minutes = Math.max(0, Math.round(Math.abs(ms) / 60000));
  if (minutes < 60) return t('duration.minutes', { n: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return t('duration.hours', { h: hours, m: minutes % 60 });
  return t('duration.days', { d: Math.floor(hours / 24), h: hours % 24 });
}
/** "14:09, tomorrow": 24-hour local time and the day in words (from content, not the browser's locale data). */
function when(iso) {
  const offset = (state.me?.utcOffsetHours ?? 5) * 3600000;
  const local = new Date(utc(iso) + offset), today = new Date(Date.now() + offset);
  const two = n => String(n).padStart(2, '0');
  const days = Math.round((Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate())
    - Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate())) / 86400000);
  const day = { [-1]: t('day.yesterday'), 0: t('day.today'), 1: t('day.tomorrow') }[days]
    ?? `${two(local.getUTCDate())}.${two(local.getUTCMonth() + 1)}.${local.getUTCFullYear()}`;
  return `${two(local.getUTCHours())}:${two(local.getUTCMinutes())}, ${day}`;
}
/** A clock in words and shape, not colour alone: ● on time, ▲ soon, ■ late. */
function clock(label, due, { from, stoppedAt, stoppedText, warnMs }) {
  const box = el('span', undefined, 'clock');
  box.append(el('span', label + ': ', 'clock-label'));
  if (stoppedAt || stoppedText) {
    box.classList.add('stopped');
    box.append(el('span', '✓ ' + (stoppedText ?? t('clock.answered', { duration: duration(utc(stoppedAt) - utc(from)) }))));
    return box;
  }
  const left = utc(due) - Date.now();
  const level = left < 0 ? 'late' : left < warnMs ? 'soon' : 'ok';
  box.classList.add(level);
  box.title = t('clock.due', { time: when(due) });
  box.append(el('span', { ok: '● ', soon: '▲ ', late: '■ ' }[level] + (left < 0 ? t('clock.late', { duration: duration(left) }) : t('clock.left', { duration: duration(left) }))));
  return box;
}
const firstResponseClock = x => clock(t('clock.first-response'), x.firstResponseDue, {
  from: x.createdAt, stoppedAt: x.firstResponseAt, stoppedText: !x.firstResponseAt && x.endedAt ? t('clock.stopped') : undefined,
  warnMs: (utc(x.firstResponseDue) - utc(x.createdAt)) / 2,
});
const referralClock = x => clock(t('clock.referral'), x.referralDue, {
  stoppedText: x.status === 'Referred' ? t('status.Referred') : undefined, warnMs: 4 * 3600000,
});
const safePlaceClock = x => clock(t('clock.safe-place'), x.safePlaceDue, { warnMs: 12 * 3600000 });

// ---- small builders ---------------------------------------------------------------------------------------------
function el(tag, text, cls, attrs) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = text;
  if (cls) e.className = cls;
  for (const [k, v] of Object.entries(attrs ?? {})) e.setAttribute(k, v);
  return e;
}
function button(text, onclick, cls, attrs) { const b = el('button', text, cls, Object.assign({ type: 'button' }, attrs)); b.onclick = onclick; return b; }
const statusOf = x => x.endedAt && !['Closed', 'Cancelled'].includes(x.status) ? 'Ended' : x.status;
/** Flags as words with a sign: urgent and child tickets must stand out for colour-blind operators too. The one list of them. */
function flags(x) {
  const list = [];
  if (x.urgent) list.push(['⚠ ' + t('flag.urgent'), 'urgent']);
  const why = x.flags ?? x.readable?.flags ?? [];   // why it is urgent: danger or a doctor
  if (why.includes('danger')) list.push([t('flag.danger'), 'urgent reason']);
  if (why.includes('doctor')) list.push([t('flag.doctor'), 'urgent reason']);
  if (x.minor) list.push(['◆ ' + t('flag.minor'), 'minor']);
  if (x.abroad) list.push([t('flag.abroad'), 'plain']);
  if (x.gender === 'Woman') list.push([t('flag.woman'), 'plain']);
  if (x.gender === 'Man') list.push([t('flag.man'), 'plain']);
  // A person nobody on shift can read: said before anyone claims it and cannot answer.
  if (x.noReaderOnShift) list.push(['✎ ' + t('flag.no-reader', { language: t('person.' + x.language) }), 'no-reader']);
  if (!(x.urgent && x.level === 'Urgent')) list.push([t('level.' + x.level), 'level-' + x.level.toLowerCase()]);   // said once
  return list;
}
function badges(x, large) {
  const box = el('span', undefined, large ? 'badges large' : 'badges');
  for (const [text, cls] of flags(x)) box.append(el('span', text, 'badge ' + cls));
  return box;
}

// ---- the reply box: one element for the page's whole life ---------------------------------------------------------
const reply = el('textarea', undefined, undefined, { id: 'reply', rows: '3' });
const replyLabel = el('label', t('ticket.reply'), undefined, { for: 'reply' });
const cannedList = el('ul', undefined, 'canned', { id: 'canned', role: 'listbox', 'aria-label': t('ticket.canned') });
reply.addEventListener('input', () => { if (state.detail) keepDraft(state.detail.ticket.id, reply.value); state.cannedIndex = 0; drawCanned(); });
reply.addEventListener('keydown', e => {
  const open = !cannedList.hidden;
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); send(); return; }
  if (!open) return;
  const items = cannedMatches();
  if (e.key === 'ArrowDown' || e.key === 'ArrowUp') { e.preventDefault(); state.cannedIndex = (state.cannedIndex + (e.key === 'ArrowDown' ? 1 : items.length - 1)) % Math.max(1, items.length); drawCanned(); }
  else if (e.key === 'Enter' && items.length) { e.preventDefault(); useCanned(items[state.cannedIndex]); }
  else if (e.key === 'Escape') { e.preventDefault(); reply.value = ''; keepDraft(state.detail.ticket.id, ''); drawCanned(); }
});
/** "/" at the start of an empty reply opens the canned replies; the words after it search them. */
function cannedMatches() {
  const query = reply.value.slice(1).trim().toLowerCase();
  const list = state.canned[state.detail?.ticket.language] ?? [];
  return list.filter(c => c.text.toLowerCase().includes(query));
}
function drawCanned() {
  const open = reply.value.startsWith('/') && !reply.value.includes('\n');
  cannedList.hidden = !open;
  reply.setAttribute('aria-expanded', String(open));
  if (!open) return;
  const items = cannedMatches();
  cannedList.replaceChildren(...items.map((c, i) => {
    const li = el('li', c.text, i === state.cannedIndex ? 'chosen' : '', { role: 'option', 'aria-selected': String(i === state.cannedIndex) });
    li.onmousedown = e => { e.preventDefault(); useCanned(c); };
    return li;
  }));
  if (items.length === 0) cannedList.append(el('li', t('ticket.canned-none'), 'none'));
}
function useCanned(c) { reply.value = c.text; keepDraft(state.detail.ticket.id, c.text); drawCanned(); reply.focus(); }
async function send() {
  const id = state.detail?.ticket.id, text = reply.value.trim();
  if (!id || !text || text.startsWith('/')) return;
  reply.value = ''; keepDraft(id, '');
  if (!await act(`/tickets/${id}/messages`, { text })) { if (!reply.value) reply.value = text; keepDraft(id, reply.value); }
}
const note = el('textarea', undefined, undefined, { id: 'note', rows: '2' });
// The ticket column's parts: the top (title, badges, clocks, actions) and the transcript are redrawn; the composer never is,
// so the operator's caret, focus and words are never touched by a redraw.
const ticketTop = el('div', undefined, 'ticket-top');
const ticketLog = el('ol', undefined, 'messages', { id: 'messages', 'aria-label': t('ticket.transcript') });
const said = el('p', undefined, 'said', { id: 'said', role: 'status' });
const composer = el('div', undefined, 'composer');
composer.append(replyLabel, reply, cannedList, button(t('ticket.send'), send, 'primary', { id: 'send' }),
  button(t('ticket.canned'), () => { reply.value = '/'; drawCanned(); reply.focus(); }, undefined, { id: 'canned-open' }));

// ---- dialogs: in the page, in the operator's language (not the browser's confirm/prompt) -------------------------
/** Resolves with the form's values, or null when cancelled. */
function ask(title, fields, confirmText, danger) {
  return new Promise(resolve => {
    const dialog = el('dialog', undefined, 'ask'), form = el('form', undefined, undefined, { method: 'dialog' });
    form.append(el('h2', title));
    for (const f of fields) {
      if (f.text) form.append(el('p', f.text, 'ask-text'));
      if (f.choices) {
        const set = el('fieldset'); set.append(el('legend', f.label));
        for (const [value, label] of f.choices) {
          const input = el('input', undefined, undefined, { type: 'radio', name: f.name, value, id: f.name + '-' + value, required: '' });
          const l = el('label', undefined, 'choice', { for: input.id }); l.append(input, ' ' + label); set.append(l);
        }
        form.append(set);
      } else if (f.name) {
        const input = el(f.multiline ? 'textarea' : 'input', undefined, undefined, { id: 'ask-' + f.name, name: f.name, maxlength: '2000' });
        if (f.required) input.required = true;
        form.append(el('label', f.label, undefined, { for: input.id }), input);
      }
    }
    const row = el('div', undefined, 'row');
    const cancel = button(t('ticket.cancel'), () => dialog.close('cancel'));
    const ok = el('button', confirmText, danger ? 'danger' : 'primary', { type: 'submit', value: 'ok', id: 'ask-ok' });
    row.append(ok, cancel); form.append(row); dialog.append(form);
    dialog.addEventListener('close', () => {
      const values = dialog.returnValue === 'ok' ? Object.fromEntries(new FormData(form)) : null;
      dialog.remove(); resolve(values);
    });
    document.body.append(dialog); dialog.showModal();
  });
}
function say(text) { document.getElementById('alert').textContent = text; said.textContent = text; }

// ---- alerts: a sound (once allowed) and the tab title ------------------------------------------------------------
let audio = null;
const soundButton = document.getElementById('sound');
function drawSound() {
  const on = localStorage.getItem('sound') === 'on';
  soundButton.textContent = (on ? t('app.sound-on') : t('app.sound-off')); soundButton.setAttribute('aria-pressed', String(on));
}
soundButton.onclick = () => {
  localStorage.setItem('sound', localStorage.getItem('sound') === 'on' ? 'off' : 'on');
  audio ??= new AudioContext(); audio.resume(); drawSound();
};
addEventListener('pointerdown', () => audio?.resume(), { passive: true });
function beep() {
  if (localStorage.getItem('sound') !== 'on') return;
  audio ??= new AudioContext();
  const tone = audio.createOscillator(), gain = audio.createGain();
  tone.frequency.value = 880; gain.gain.setValueAtTime(0.2, audio.currentTime); gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.4);
  tone.connect(gain).connect(audio.destination); tone.start(); tone.stop(audio.currentTime + 0.4);
}
function alertNew(list) {
  const waiting = list.filter(x => x.status === 'New' && !x.endedAt);
  if (state.seen !== null) {
    const fresh = waiting.filter(x => !state.seen.has(x.id) && (x.urgent || x.minor));
    if (fresh.length) {
      beep();
      say(t('queue.alert', { what: fresh.map(x => flags(x).filter(([, cls]) => cls !== 'plain').map(([text]) => text).join(', ')).join('; ') }));
    }
  }
  state.seen = new Set(list.map(x => x.id));
  const pressing = waiting.some(x => x.urgent || x.minor);
  document.title = (waiting.length ? `${pressing ? '⚠ ' : ''}(${waiting.length}) ` : '') + t('app.console');
}

// ---- render: the whole page from state ---------------------------------------------------------------------------
function render() {
  const focused = document.activeElement?.dataset?.id;
  renderQueue();
  renderTicket();
  renderSide();
  if (focused) document.querySelector(`#queue [data-id="${focused}"]`)?.focus();
}
function renderQueue() {
  const box = document.getElementById('queue');
  const live = state.tickets.filter(x => !x.endedAt), wrap = state.tickets.filter(x => x.endedAt && (x.operatorId === state.me.id || state.me.role === 'Supervisor'));
  const head = el('div', undefined, 'queue-head');
  head.append(el('h2', t('queue.title')), button(t('queue.take-next'), takeNext, 'primary', { id: 'take-next', 'aria-keyshortcuts': 'Alt+N' }));
  // The board: per team and channel, how many wait and the longest wait.
  const board = el('table', undefined, 'board'); board.append(el('caption', t('queue.board')));
  const waiting = live.filter(x => x.status === 'New'), groups = new Map();
  for (const x of waiting) { const k = x.destination + '|' + x.channel; groups.set(k, [...(groups.get(k) ?? []), x]); }
  if (groups.size === 0) { const tr = board.insertRow(); tr.insertCell().textContent = t('queue.nothing'); }
  for (const [k, xs] of [...groups].sort()) {
    const [team, channel] = k.split('|'), tr = board.insertRow();
    tr.insertCell().textContent = `${t('team.' + team)} · ${t('channel.' + channel)}`;
    tr.insertCell().textContent = t('queue.waiting', { n: xs.length });
    tr.insertCell().textContent = t('queue.longest', { duration: duration(Date.now() - Math.min(...xs.map(x => utc(x.queuedAt)))) });
  }
  if (state.refused > 0) {
    const tr = board.insertRow(); tr.id = 'refused';
    const cell = tr.insertCell(); cell.colSpan = 3; cell.textContent = t('queue.refused', { n: state.refused });
  }
  const list = el('ul', undefined, 'tickets', { id: 'tickets' });
  if (live.length === 0) list.append(el('li', t('queue.empty'), 'empty'));
  for (const x of live) list.append(ticketItem(x));
  box.replaceChildren(head, board, list);
  if (wrap.length) {
    const w = el('ul', undefined, 'tickets', { id: 'wrap-up' });
    for (const x of wrap) w.append(ticketItem(x));
    box.append(el('h2', t('queue.wrap-up')), w);
  }
  box.append(el('p', t('app.keys'), 'keys'));
}
function ticketItem(x) {
  const li = el('li');
  const b = button(undefined, () => select(x.id), 'ticket' + (x.urgent || x.minor ? ' pinned' : '') + (x.id === state.selected ? ' selected' : ''),
    { 'data-id': x.id, 'aria-current': String(x.id === state.selected) });
  b.append(badges(x));
  const who = x.operatorName ? t('queue.with', { name: x.operatorName }) : t('queue.unclaimed');
  b.append(el('span', `${t('status.' + statusOf(x))} · ${t('channel.' + x.channel)} · ${t('person.' + x.language)} · ${who}`, 'line'));
  const clocks = el('span', undefined, 'clocks'); clocks.append(firstResponseClock(x)); if (x.status !== 'New') clocks.append(referralClock(x));
  b.append(clocks);
  li.append(b);
  return li;
}
function renderTicket() {
  const chat = document.getElementById('chat');
  if (!chat.contains(composer)) chat.replaceChildren(ticketTop, ticketLog, said, composer);   // once: these parts are never re-created
  const d = state.detail;
  if (!d) { ticketTop.replaceChildren(el('p', t('ticket.choose'), 'choose')); ticketLog.replaceChildren(); composer.hidden = true; return; }
  const x = d.ticket, mine = x.operatorId === state.me.id, supervisor = state.me.role === 'Supervisor';
  const closed = ['Closed', 'Cancelled'].includes(x.status), ended = !!x.endedAt;
  const head = el('div', undefined, 'ticket-head');
  head.append(el('h2', `${t('ticket.title', { id: x.id.slice(0, 8) })} · ${t('status.' + statusOf(x))}`, undefined, { id: 'ticket-title' }), badges(x, true));
  const clocks = el('div', undefined, 'clocks');
  if (!closed) { clocks.append(firstResponseClock(x), referralClock(x)); if (x.safePlaceDue) clocks.append(safePlaceClock(x)); }
  head.append(clocks);
  const actions = el('div', undefined, 'actions'), danger = el('div', undefined, 'actions danger-zone');
  if (x.status === 'New') actions.append(button(t('ticket.claim'), () => claim(x.id), 'primary', { id: 'claim', 'aria-keyshortcuts': 'Alt+C' }));
  if ((mine || supervisor) && !closed) {
    if (!ended) {
      const to = x.destination === 'Police' ? 'Hotline' : 'Police';
      actions.append(button(t('ticket.transfer-' + to), () => transfer(x, to), undefined, { id: 'transfer' }));
      if (!x.safePlaceDue) actions.append(button(t('ticket.safe-place'), () => act(`/tickets/${x.id}/safe-place`), undefined, { id: 'safe-place' }));
      if (x.status !== 'Referred') actions.append(button(t('ticket.refer'), () => refer(x), undefined, { id: 'refer' }));
      danger.append(button(t('ticket.end'), () => end(x), 'danger', { id: 'end' }));
    }
    actions.append(button(t('ticket.close'), () => wrapUp(x), ended ? 'primary' : undefined, { id: 'close' }));
  }
  if (!closed && !d.audit.some(a => a.action === 'blocked')) danger.append(button(t('ticket.block'), () => block(x), 'danger', { id: 'block' }));
  const bar = el('div', undefined, 'action-bar'); bar.append(actions, danger);
  const messages = [];
  for (const m of d.messages) {
    const li = el('li', undefined, 'message ' + m.from);
    li.append(el('span', `${(m.from === 'user' ? t('ticket.from-user') : t('ticket.from-operator'))} · ${when(m.at)}`, 'meta'), el('span', m.text, 'text'));
    messages.push(li);
  }
  const parts = [head, bar];
  if (ended && !closed) parts.push(el('p', t('ticket.ended'), 'banner'));
  if (closed) {
    const out = el('div', undefined, 'banner closed', { id: 'outcome' });
    out.append(el('strong', `${t('status.' + x.status)}${x.closedAt ? ' · ' + when(x.closedAt) : ''}`));
    if (x.disposition) out.append(el('p', `${t('ticket.disposition')}: ${t('disposition.' + x.disposition)}`));
    if (x.outcome) out.append(el('p', `${t('ticket.outcome')}: ${x.outcome}`));
    parts.push(out);
  }
  ticketTop.replaceChildren(...parts);
  const follow = ticketLog.scrollTop + ticketLog.clientHeight >= ticketLog.scrollHeight - 4;
  ticketLog.replaceChildren(...messages);
  if (follow) ticketLog.scrollTop = ticketLog.scrollHeight;
  const writing = mine && !ended && !closed;
  composer.hidden = !writing;
  if (writing && reply.dataset.ticket !== x.id) { reply.value = draft(x.id); reply.dataset.ticket = x.id; }
  if (writing) drawCanned();
}
function renderSide() {
  const side = document.getElementById('side');
  const d = state.detail;
  if (!d) { side.replaceChildren(); return; }
  const x = d.ticket, r = x.readable;
  const parts = [el('h2', t('summary.title'))];
  parts.push(el('p', `${t('ticket.speaks', { language: r.personLanguage })} · ${t('role.' + x.role)} · ${t('channel.' + x.channel)}`, 'person'));
  parts.push(el('p', t('ticket.referral-' + x.destination), 'person'));
  for (const section of ['who', 'where', 'what']) {
    const items = r.items.filter(i => i.part === section);
    if (!items.length) continue;
    const group = el('section', undefined, 'group'); group.append(el('h3', t('summary.' + section)));
    const list = el('dl');
    for (const i of items) {
      const q = el('dt'); q.append(el('span', i.question), el('small', i.source, 'cite', { title: i.cite }));
      list.append(q, el('dd', i.answer, 'answer answer-' + (i.answer === t('answer.Yes') ? 'yes' : 'other')));
    }
    group.append(list); parts.push(group);
  }
  if (!r.items.length) parts.push(el('p', t('summary.none')));
  if (r.consent) {
    const c = el('section', undefined, 'group consent'); c.append(el('h3', t('summary.consent')));
    const seen = el('blockquote', undefined, undefined, { lang: x.language });
    seen.append(el('p', r.consent));
    if (r.shared.length) { const ul = el('ul'); for (const line of r.shared) ul.append(el('li', line)); seen.append(ul); }
    c.append(el('p', t('summary.consent-at', { time: when(x.consentAt) }), 'meta'), seen);
    if (r.consentWordingChanged) c.append(el('p', t('summary.consent-changed'), 'meta'));
    parts.push(c);
  }
  const notes = el('section', undefined, 'group notes'); notes.append(el('h3', t('ticket.notes')));
  for (const n of d.notes) {
    const p = el('div', undefined, 'note' + (n.transfer ? ' transfer' : ''));
    if (n.transfer) p.append(el('strong', t('ticket.transfer-tag') + ': '));
    if (n.policeOnly) p.append(el('strong', t('ticket.police-only') + ': '));
    p.append(el('span', n.text), el('span', ' · ' + when(n.at), 'meta'));
    notes.append(p);
  }
  if (x.summary.items?.length || d.notes.length || !['Closed', 'Cancelled'].includes(x.status)) {
    const noteLabel = el('label', t('ticket.note'), undefined, { for: 'note' });
    const add = button(t('ticket.add-note'), async () => {
      if (!note.value.trim()) return;
      const policeOnly = document.getElementById('police-only')?.checked ?? false;
      if (await act(`/tickets/${x.id}/notes`, { text: note.value, policeOnly })) note.value = '';
    }, undefined, { id: 'add-note' });
    notes.append(noteLabel, note);
    if (state.me.role !== 'Hotline') {
      const check = el('input', undefined, undefined, { type: 'checkbox', id: 'police-only' });
      const l = el('label', undefined, 'choice', { for: 'police-only' }); l.append(check, ' ' + t('ticket.police-only')); notes.append(l);
    }
    notes.append(add);
  }
  parts.push(notes);
  const history = el('details', undefined, 'group'); history.append(el('summary', t('ticket.audit')));
  const list = el('ol', undefined, 'audit');
  for (const a of d.audit) list.append(el('li', `${when(a.at)} · ${a.actor === 'user' ? t('ticket.from-user') : a.actor} · ${t('audit.' + a.action)}${auditDetail(a)}`));
  history.append(list); parts.push(history);
  side.replaceChildren(...parts);
}

/** An audit entry's detail, stored as codes ("team=Police;level=Strong"), in the operator's words ("audit-detail.<action>"). */
function auditDetail(a) {
  const template = 'audit-detail.' + a.action;
  if (!a.detail || !(template in strings)) return '';
  const say = { team: v => t('team.' + v), level: v => t('level.' + v), disposition: v => t('disposition.' + v), reason: v => t('audit-reason.' + v),
    preferred: v => t('audit-gender.' + v), until: v => when(v) };
  const values = Object.fromEntries(a.detail.split(';').map(part => part.split('=')).map(([k, v]) => [k === 'until' ? 'time' : k, (say[k] ?? (x => x))(v)]));
  return ': ' + t(template, values);
}

// ---- what the operator does ---------------------------------------------------------------------------------------
async function select(id) {
  state.selected = id; sessionStorage.setItem('selected', id); said.textContent = '';
  await loadDetail(); render();
}
async function claim(id) {
  let r = await post(`/tickets/${id}/claim`);
  if (r.status === 409 && (await r.clone().json()).genderMismatch) {
    if (!await ask(t('ticket.gender-yes'), [{ text: t('ticket.gender-ask') }], t('ticket.gender-yes'))) return;
    r = await post(`/tickets/${id}/claim?overrideGender=true`);
  }
  if (!r.ok) say((await r.json().catch(() => ({}))).detail ?? t('error.network'));
  await refresh();
  if (r.ok) reply.focus();
}
async function takeNext() {
  let r;
  try { r = await post('/tickets/next'); } catch { say(t('error.network')); return; }
  if (!r.ok) { say((await r.json().catch(() => ({}))).detail ?? t('queue.nothing')); await refresh(); return; }
  const { id } = await r.json();
  state.selected = id; sessionStorage.setItem('selected', id);
  await refresh();
  reply.focus();
}
async function transfer(x, to) {
  const v = await ask(t('ticket.transfer-' + to), [{ text: t('ticket.transfer-ask', { team: t('team.' + x.destination) }) },
    { name: 'note', label: t('ticket.transfer-note'), multiline: true, required: true }], t('ticket.transfer-' + to));
  if (v?.note?.trim()) await act(`/tickets/${x.id}/transfer`, { note: v.note });
}
async function refer(x) {
  const v = await ask(t('ticket.refer'), [{ name: 'to', label: t('ticket.refer-to'), required: true }], t('ticket.refer'));
  if (v?.to?.trim()) await act(`/tickets/${x.id}/refer`, { to: v.to });
}
async function end(x) {
  if (await ask(t('ticket.end'), [{ text: t('ticket.end-ask') }], t('ticket.end'), true)) await act(`/tickets/${x.id}/end`);
}
async function wrapUp(x) {
  const choices = ['referred-to-provider', 'police-report', 'information-only', 'stopped-answering', 'silent-or-test', 'abusive']
    .map(d => [d, t('disposition.' + d)]);
  const v = await ask(t('wrap.title'), [{ name: 'disposition', label: t('wrap.choose'), choices },
    { name: 'outcome', label: t('wrap.note'), multiline: true }], t('wrap.submit'));
  if (v?.disposition) await act(`/tickets/${x.id}/close`, { disposition: v.disposition, outcome: v.outcome || null });
}
async function block(x) {
  const v = await ask(t('ticket.block'), [{ text: t('ticket.block-ask') }, { name: 'reason', label: t('ticket.block-reason'), required: true }], t('ticket.block'), true);
  if (v) await act(`/tickets/${x.id}/block`, { reason: v.reason });
}
addEventListener('keydown', e => {
  if (!e.altKey || e.ctrlKey || document.querySelector('dialog[open]')) return;
  // e.code, not e.key: the same keys on a Kazakh or Russian layout.
  if (e.code === 'KeyN') { e.preventDefault(); takeNext(); }
  if (e.code === 'KeyC' && state.detail?.ticket.status === 'New') { e.preventDefault(); claim(state.detail.ticket.id); }
});

// ---- loading, and the quiet reconnect -----------------------------------------------------------------------------
async function loadDetail() {
  const id = state.selected;
  if (!id) { state.detail = null; return; }
  const r = await call('/tickets/' + id);
  if (state.selected !== id) return;   // the operator moved on meanwhile
  if (!r.ok) { state.detail = null; state.selected = null; sessionStorage.removeItem('selected'); return; }
  state.detail = await r.json();
  const language = state.detail.ticket.language;
  if (!state.canned[language]) state.canned[language] = await (await call('/canned/' + language)).json();
}
let refreshing = null, again = false;
/** One refresh at a time; a change during one makes exactly one more. */
async function refresh() {
  if (refreshing) { again = true; return refreshing; }
  refreshing = (async () => {
    do {
      again = false;
      const [list, refused] = await Promise.all([call('/tickets').then(r => r.json()), call('/refused').then(r => r.json())]);
      state.tickets = list; state.refused = refused.perClient + refused.perConversation; alertNew(list);
      await loadDetail();
      render();
    } while (again);
  })().finally(() => { refreshing = null; });
  return refreshing;
}
function online(up) { if (state.online !== up) { state.online = up; document.getElementById('net').hidden = up; } }
async function watch() {
  let version = -1, wait = 1000;
  for (;;) {
    try {
      const r = await call('/changes?seen=' + version);
      if (!r.ok) throw new Error(String(r.status));
      const { version: v } = await r.json();
      if (!state.online) { online(true); await refresh(); }
      wait = 1000;
      if (v !== version) { version = v; await refresh(); }
    } catch {
      online(false);
      await new Promise(done => setTimeout(done, wait));
      wait = Math.min(wait * 2, 15000);
    }
  }
}
document.getElementById('reads').onsubmit = async e => {
  e.preventDefault();
  const languages = [...e.target.querySelectorAll('input[name="reads"]:checked')].map(i => i.value);
  if (languages.length && await act('/me/reads', { languages })) say(t('account.saved'));
};
document.getElementById('language').onchange = async e => {
  if ((await post('/me/language', { language: e.target.value })).ok) location.reload();
};
(async () => {
  state.me = await (await call('/me')).json();
  document.getElementById('me').textContent = state.me.displayName;
  document.getElementById('supervisor').hidden = state.me.role !== 'Supervisor';
  drawSound();
  await refresh();
  watch();
  setInterval(() => { if (document.visibilityState === 'visible') render(); }, 20000);   // the clocks move
})();
