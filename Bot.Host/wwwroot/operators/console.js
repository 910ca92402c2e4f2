// Everything a person typed is put on the page with textContent, never as HTML.
const api = p => '/api/operator' + p;
let me = null, selected = null, version = -1;
// What the operator is typing survives the re-render that every ticket change brings.
const drafts = {};
const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; };
async function json(path, options) {
  const r = await fetch(api(path), Object.assign({ credentials: 'same-origin' }, options));
  if (r.status === 401) { location.href = '/operators/signin'; throw new Error('signed out'); }
  return r;
}
// The page carries its antiforgery token; every POST sends it as a header.
const antiforgery = document.querySelector('meta[name="antiforgery"]').content;
const post = (path, body) => json(path, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-TOKEN': antiforgery }, body: JSON.stringify(body ?? {}) });
// An action the operator must know failed (a message not sent is a person not answered).
async function act(path, body) {
  const r = await post(path, body);
  if (!r.ok) alert((await r.json().catch(() => ({}))).detail ?? `Not done (${r.status}).`);
  await refresh();
  return r.ok;
}
function clock(due) {
  const minutes = Math.round((new Date(due + 'Z') - Date.now()) / 60000);
  return minutes < 0 ? el('span', `${-minutes} min late`, 'late') : el('span', `in ${minutes} min`);
}
async function loadQueue() {
  const list = await (await json('/tickets')).json();
  const box = document.getElementById('tickets'); box.replaceChildren();
  if (list.length === 0) box.append(el('p', 'No open tickets.'));
  for (const t of list) {
    const d = el('div', undefined, 'ticket' + (t.urgent ? ' urgent' : '')); d.dataset.id = t.id;
    const flags = [t.urgent && 'urgent', t.minor && 'minor', t.level, t.abroad && 'abroad', t.status, t.gender !== 'NoPreference' && ('prefers ' + t.gender.toLowerCase())].filter(Boolean);
    for (const f of flags) d.append(el('span', f, 'badge'));
    const due = el('div', 'First response ', 'due'); due.append(clock(t.firstResponseDue));
    d.append(el('div', `${t.destination} · ${t.language} · ${t.forms.join(', ') || 'no form'} · ${t.operatorName ?? 'unclaimed'}`), due);
    d.onclick = () => { selected = t.id; loadTicket(); };
    box.append(d);
  }
}
async function loadTicket() {
  const typing = document.activeElement?.id === 'reply';
  if (!selected) return;
  const r = await json('/tickets/' + selected);
  if (!r.ok) { selected = null; return; }
  const { ticket: t, messages, notes, audit } = await r.json();
  const chat = document.getElementById('chat'); chat.replaceChildren(el('h2', `Ticket ${t.id.slice(0, 8)} · ${t.status}`));
  const mine = t.operatorId !== null && t.operatorId === me.id;
  if (t.status === 'New') {
    const claim = el('button', 'Claim'); claim.id = 'claim';
    claim.onclick = async () => {
      let r = await post(`/tickets/${t.id}/claim`);
      if (r.status === 409 && (await r.clone().json()).detail?.includes('gender') && confirm('The person asked for an operator of another gender. Claim anyway (audited)?'))
        r = await post(`/tickets/${t.id}/claim?overrideGender=true`);
      if (!r.ok) alert((await r.json()).detail ?? 'Could not claim.');
      await refresh();
    };
    chat.append(claim);
  }
  const log = el('div'); log.id = 'messages';
  for (const m of messages) log.append(el('div', m.text, 'message ' + m.from));
  chat.append(log);
  if (mine && !t.endedAt) {
    const text = el('textarea'); text.id = 'reply'; text.rows = 3; text.value = drafts[t.id] ?? '';
    text.oninput = () => { drafts[t.id] = text.value; };
    const send = el('button', 'Send'); send.id = 'send';
    send.onclick = async () => { if (text.value.trim()) { const typed = text.value; delete drafts[t.id]; if (!await act(`/tickets/${t.id}/messages`, { text: typed })) drafts[t.id] = typed; } };
    const canned = el('select'); canned.append(el('option', 'Canned reply…'));
    for (const c of await (await json('/canned/' + t.language)).json()) { const o = el('option', c.text); o.value = c.text; canned.append(o); }
    canned.onchange = () => { text.value = drafts[t.id] = canned.value; canned.selectedIndex = 0; };
    const end = el('button', 'End conversation'); end.onclick = () => act(`/tickets/${t.id}/end`);
    chat.append(text, send, canned, end);
    if (typing) text.focus();
  }
  if (mine || me.role === 'Supervisor') {
    const transfer = el('button', t.destination === 'Police' ? 'Transfer to hotline' : 'Transfer to police');
    transfer.onclick = async () => { const note = prompt(`Ask the person first: they agreed to be referred to the ${t.destination.toLowerCase()} only. Note for the other team:`); if (note) await act(`/tickets/${t.id}/transfer`, { note }); };
    const close = el('button', 'Close with outcome');
    close.onclick = async () => { const outcome = prompt('Outcome'); if (outcome) await act(`/tickets/${t.id}/close`, { outcome }); };
    chat.append(el('div'), transfer, close);
  }
  if (!audit.some(a => a.action === 'blocked') && !['Cancelled', 'Closed'].includes(t.status)) {
    const block = el('button', 'Block this conversation'); block.id = 'block';
    block.onclick = async () => { if (confirm('Block this conversation for abuse? Its messages will get no reply and will not be stored (audited).')) await act(`/tickets/${t.id}/block`); };
    chat.append(el('div'), block);
  }
  const side = document.getElementById('side');
  side.replaceChildren(el('h2', 'Screening summary'),
    el('p', `${t.role} · ${t.level} · ${t.minor ? 'minor' : 'adult'} · ${t.abroad ? 'abroad' : 'in Kazakhstan'} · consent ${t.consentAt} (${t.consentVersion})`));
  const summary = el('ul');
  for (const s of t.summary.items ?? []) summary.append(el('li', `${s.part}: ${s.words} — ${s.cite}`));
  side.append(summary, el('p', 'Referral due ' + t.referralDue + (t.safePlaceDue ? ' · safe place until ' + t.safePlaceDue : '')), el('h3', 'Notes'));
  for (const n of notes) side.append(el('p', (n.policeOnly ? '[police only] ' : '') + n.text));
  const note = el('textarea'); note.rows = 2; const add = el('button', 'Add note');
  const policeOnly = el('input'); policeOnly.type = 'checkbox'; policeOnly.id = 'police-only';
  const policeLabel = el('label', ' police only'); policeLabel.prepend(policeOnly);
  add.onclick = async () => { if (note.value.trim()) await act(`/tickets/${t.id}/notes`, { text: note.value, policeOnly: policeOnly.checked }); };
  side.append(note, add);
  if (me.role !== 'Hotline') side.append(policeLabel);
  side.append(el('h3', 'Audit'));
  for (const a of audit) side.append(el('div', `${a.at} ${a.actor} ${a.action} ${a.detail ?? ''}`, 'due'));
}
async function refresh() { await loadQueue(); await loadTicket(); }
async function watch() {
  for (;;) {
    try {
      const { version: v } = await (await json('/changes?seen=' + version)).json();
      if (v !== version) { version = v; await refresh(); }
    } catch { await new Promise(r => setTimeout(r, 2000)); }
  }
}
(async () => {
  me = await (await json('/me')).json();
  document.getElementById('me').textContent = `${me.displayName} (${me.role})`;
  document.getElementById('supervisor').hidden = me.role !== 'Supervisor';
  await refresh(); watch();
  setInterval(loadQueue, 30000);   // the due-time clocks move
})();
