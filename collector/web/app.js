// The collector's web page: search (GET /v1/logs) and live tail (GET /v1/tail) with the same
// filters. Every value from a record goes into the page as text, never as HTML: records carry
// whatever clients sent.
'use strict';

const form = document.getElementById('filters');
const rows = document.querySelector('#records tbody');
const statusLine = document.getElementById('status');
const liveButton = document.getElementById('live');
const moreButton = document.getElementById('more');
const tokenInput = document.getElementById('token');
/** Rows kept on the page in live mode; older ones scroll away. */
const LIVE_ROWS = 1000;

let next = null;
let socket = null;
let live = false;

tokenInput.value = localStorage.getItem('redtail.token') || '';
tokenInput.addEventListener('change', () => localStorage.setItem('redtail.token', tokenInput.value.trim()));

/** The filled-in filters, as query parameters. */
function filters() {
  const p = new URLSearchParams();
  for (const [k, v] of new FormData(form)) if (String(v).trim()) p.set(k, String(v).trim());
  return p;
}

function say(text, error = false) {
  statusLine.textContent = text;
  statusLine.className = error ? 'error' : '';
}

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text == null ? '' : String(text);
  if (className) td.className = className;
  return td;
}

function row(r) {
  const tr = document.createElement('tr');
  tr.className = 'record';
  const code = Number(r.response_code);
  const time = typeof r.start_time === 'string' ? r.start_time.replace('T', ' ').replace('Z', '') : '';
  tr.append(cell(time), cell(code, `s${Math.floor(code / 100)}`), cell(r.method), cell(r.service || r.workload),
    cell(r.duration, 'num'), cell(`${r.authority || ''}${r.path || ''}`, 'path'), cell(r.request_id));
  tr.addEventListener('click', () => {
    if (tr.nextSibling && tr.nextSibling.className === 'detail') return tr.nextSibling.remove();
    const detail = document.createElement('tr');
    detail.className = 'detail';
    const td = document.createElement('td');
    td.colSpan = 7;
    const pre = document.createElement('pre');
    pre.textContent = JSON.stringify(r, null, 2);
    td.append(pre);
    detail.append(td);
    tr.after(detail);
  });
  return tr;
}

function notice(text) {
  const tr = document.createElement('tr');
  tr.className = 'notice';
  const td = cell(text);
  td.colSpan = 7;
  tr.append(td);
  return tr;
}

/** A line as a record (a JSON object), or null when it is not one. */
function asRecord(line) {
  try {
    const value = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

/** What is shown in place of a line that is not a record: the page goes on. */
function unreadable(text) {
  const tr = notice(`unreadable, not a record: ${text.length > 200 ? `${text.slice(0, 199)}…` : text}`);
  tr.classList.add('unreadable');
  return tr;
}

function authHeaders() {
  const token = tokenInput.value.trim();
  return token ? { authorization: `Bearer ${token}` } : {};
}

async function search(cursor) {
  const p = filters();
  history.replaceState(null, '', `?${p}`);
  p.set('limit', '100');
  if (cursor) p.set('cursor', cursor);
  say('searching…');
  let res;
  let body;
  try {
    res = await fetch(`/v1/logs?${p}`, { headers: authHeaders() });
    body = await res.json();
  } catch (err) {
    return say(`the collector did not answer: ${err.message}`, true);
  }
  if (!res.ok) return say(`${res.status}: ${body.error}${body.field ? ` (${body.field}: ${body.expected})` : ''}`, true);
  if (!cursor) {
    rows.replaceChildren();
    await showGaps();
  }
  for (const r of body.records) {
    rows.append(typeof r === 'object' && r !== null && !Array.isArray(r) ? row(r) : unreadable(JSON.stringify(r)));
  }
  next = body.next;
  moreButton.hidden = !next;
  say(`${rows.querySelectorAll('tr.record').length} records, newest first${next ? '' : ' (all shown)'}`);
}

/** The records producers said they lost in the searched time range, above the results. */
async function showGaps() {
  const p = new URLSearchParams();
  for (const k of ['since', 'until']) if (form.elements[k] && form.elements[k].value.trim()) p.set(k, form.elements[k].value.trim());
  try {
    const res = await fetch(`/v1/gaps?${p}`, { headers: authHeaders() });
    if (!res.ok) return;
    for (const g of (await res.json()).gaps) {
      rows.append(notice(`${g.dropped} records lost by ${g.source || 'a producer'} between ${g.since} and ${g.until} (${g.reason || 'no reason given'}): this trail is incomplete there`));
    }
  } catch {
    // the records still show; the gaps are a second question
  }
}

function startLive() {
  const p = filters();
  history.replaceState(null, '', `?${p}`);
  const token = tokenInput.value.trim();
  if (token) p.set('token', token); // browsers cannot set headers on a WebSocket
  socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/tail?${p}`);
  socket.onopen = () => say('live: new records appear at the top');
  socket.onmessage = (event) => {
    for (const line of String(event.data).split('\n')) {
      if (!line.trim()) continue;
      const r = asRecord(line);
      if (!r) rows.prepend(unreadable(line));
      // The collector's notices are {"dropped": N} or {"notice": {…, "message"}} alone; a record may hold a field of that name too.
      else if (typeof r.dropped === 'number' && Object.keys(r).length === 1) rows.prepend(notice(`${r.dropped} records dropped: this page fell behind`));
      else if (Object.keys(r).length === 1 && r.notice && typeof r.notice.message === 'string') rows.prepend(notice(r.notice.message));
      else rows.prepend(row(r));
    }
    while (rows.children.length > LIVE_ROWS) rows.lastChild.remove();
  };
  socket.onclose = (event) => {
    socket = null;
    if (!live) return;
    say(`live tail closed (${event.code}${event.reason ? `: ${event.reason}` : ''}); reconnecting…`, true);
    setTimeout(() => { if (live && !socket) startLive(); }, 1000);
  };
}

function setLive(on) {
  live = on;
  liveButton.setAttribute('aria-pressed', String(on));
  if (socket) socket.close();
  socket = null;
  moreButton.hidden = true;
  if (on) {
    rows.replaceChildren();
    startLive();
  } else say('live tail stopped');
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  if (live) setLive(false);
  search();
});
liveButton.addEventListener('click', () => setLive(!live));
moreButton.addEventListener('click', () => search(next));

/** An input per filtered field of the record, as the collector's schema lists them, before free text. */
async function fieldFilters() {
  let schema;
  try {
    schema = await (await fetch('/v1/schema')).json();
  } catch {
    return say('the collector did not say which fields records have: only text and time filters', true);
  }
  const text = document.getElementById('text');
  for (const { filter } of schema.fields) {
    if (!filter) continue;
    const label = document.createElement('label');
    const input = document.createElement('input');
    input.name = filter.param;
    if (filter.example) input.placeholder = filter.example;
    label.append(`${filter.label} `, input);
    text.before(label);
  }
}

// The filters; those from the address (so a link can share a view); then the first page.
fieldFilters().then(() => {
  for (const [k, v] of new URLSearchParams(location.search)) if (form.elements[k]) form.elements[k].value = v;
  search();
});
