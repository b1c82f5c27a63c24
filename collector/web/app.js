// The collector's web page: search (GET /v1/logs) and live tail (GET /v1/tail) with the same
// filters, a chart of the live rate by status class, and the record view. The read token is sent
// in a header (queries) or a WebSocket subprotocol (the tail), never in an address.
import { RateChart } from './chart.js';
import { addFieldFilters, filtersOf, fitHints } from './filters.js';
import { Hold } from './hold.js';
import { BACKFILL, LiveTail } from './live.js';
import { noticeRow, recordRow, unreadableRow } from './rows.js';

const form = document.getElementById('filters');
const rows = document.querySelector('#records tbody');
const statusLine = document.getElementById('status');
const liveButton = document.getElementById('live');
const pauseButton = document.getElementById('pause');
const moreButton = document.getElementById('more');
const tokenInput = document.getElementById('token');
const rate = document.getElementById('rate');
/** Rows kept on the page in live mode; older ones scroll away. */
const LIVE_ROWS = 1000;
/** Records held while paused; past it the oldest held go (and are counted). */
const HOLD = 1000;

const chart = new RateChart(document.getElementById('chart'), document.getElementById('legend'));
const hold = new Hold(HOLD);
const tail = new LiveTail({ onItem: arrived, onState: say, onConnect: connected });
let next = null;
/** The live tail's state: what it has received and shown, what the collector dropped for it. */
let live = null;
let sliding = null;

tokenInput.value = localStorage.getItem('redtail.token') || '';
tokenInput.addEventListener('change', () => localStorage.setItem('redtail.token', tokenInput.value.trim()));

function say(text, { error = false } = {}) {
  statusLine.textContent = text;
  statusLine.className = error ? 'error' : '';
}

const plural = (n, one, many = `${one}s`) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

function authHeaders() {
  const token = tokenInput.value.trim();
  return token ? { authorization: `Bearer ${token}` } : {};
}

async function search(cursor) {
  const p = filtersOf(form);
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
    return say(`the collector did not answer: ${err.message}`, { error: true });
  }
  if (!res.ok) return say(`${res.status}: ${body.error}${body.field ? ` (${body.field}: ${body.expected})` : ''}`, { error: true });
  if (!cursor) {
    rows.replaceChildren();
    await showGaps();
  }
  for (const r of body.records) {
    rows.append(typeof r === 'object' && r !== null && !Array.isArray(r) ? recordRow(r) : unreadableRow(JSON.stringify(r)));
  }
  next = body.next;
  moreButton.hidden = !next;
  const shown = rows.querySelectorAll('tr.record').length;
  say(`${plural(shown, 'record')} shown, newest first${next ? '; more older ones: Older records, below' : ': all that match'}`);
}

/** The records producers said they lost in the searched time range, above the results. */
async function showGaps() {
  const p = new URLSearchParams();
  for (const k of ['since', 'until']) if (form.elements[k] && form.elements[k].value.trim()) p.set(k, form.elements[k].value.trim());
  try {
    const res = await fetch(`/v1/gaps?${p}`, { headers: authHeaders() });
    if (!res.ok) return;
    for (const g of (await res.json()).gaps) {
      rows.append(noticeRow(`${g.dropped} records lost by ${g.source || 'a producer'} between ${g.since} and ${g.until} (${g.reason || 'no reason given'}): this trail is incomplete there`));
    }
  } catch {
    // the records still show; the gaps are a second question
  }
}

/** The live status: what is shown, what arrived, what is held while paused, what was dropped. */
function sayLive() {
  const parts = [`${plural(rows.querySelectorAll('tr.record').length, 'record')} shown, newest on top`, `${plural(live.received, 'record')} received`];
  if (live.dropped > 0) parts.push(`${plural(live.dropped, 'record')} dropped by the collector: this page fell behind`);
  if (hold.dropped > 0) parts.push(`${plural(hold.dropped, 'record')} not kept while paused (more than ${HOLD})`);
  const head = live.paused ? `paused: ${plural(hold.size, 'new record')} held, shown on resume` : live.backfilled ? 'live' : 'live: opening with the latest records';
  say(`${head} · ${parts.join(' · ')}`);
}

/** A row on top; the oldest go past LIVE_ROWS. */
function show(item) {
  if (item.record) rows.prepend(recordRow(item.record));
  else if (item.unreadable !== undefined) rows.prepend(unreadableRow(item.unreadable));
  else rows.prepend(noticeRow(item.notice));
  while (rows.children.length > LIVE_ROWS) {
    live.keys.delete(rows.lastChild.key);
    rows.lastChild.remove();
  }
}

/** A line of the live tail. On a reconnection the backfill repeats records already shown: they are skipped. */
function arrived(item) {
  if (item.backfilled !== undefined) {
    const again = live.backfilled;
    live.backfilled = true;
    live.reconnecting = false;
    if (again && live.overlap === 0 && item.backfilled === BACKFILL) {
      item = { notice: `reconnected: more than ${BACKFILL} records may have been stored while this page was disconnected; search their time range to see them all` };
    } else if (item.leftOut > 0) {
      item = { notice: `the latest ${plural(item.leftOut, 'record')} before these were too many bytes to send at once; search to see them` };
    } else return sayLive();
  } else if (item.record) {
    const key = JSON.stringify(item.record);
    if (live.reconnecting && live.keys.has(key)) {
      live.overlap++;
      return;
    }
    live.keys.add(key);
    item.key = key;
    live.received++;
    chart.add(item.record);
  } else if (item.dropped !== undefined) {
    live.dropped += item.dropped;
    item = { notice: `${plural(item.dropped, 'record')} dropped by the collector: this page fell behind` };
  }
  // A record the hold lets go is never shown: its key goes too, or the keys grow for as long as the page is paused.
  if (live.paused) live.keys.delete(hold.push(item)?.key);
  else show(item);
  sayLive();
}

function setPaused(paused) {
  live.paused = paused;
  pauseButton.setAttribute('aria-pressed', String(paused));
  pauseButton.textContent = paused ? 'Resume' : 'Pause';
  if (!paused) {
    const { items, dropped } = hold.take();
    for (const item of items) show(item);
    if (dropped > 0) show({ notice: `${plural(dropped, 'record')} arrived while paused beyond the ${HOLD} held: not shown here; search their time range to see them` });
  }
  sayLive();
}

function setLive(on) {
  liveButton.setAttribute('aria-pressed', String(on));
  tail.stop();
  clearInterval(sliding);
  hold.take();
  moreButton.hidden = true;
  pauseButton.hidden = !on;
  rate.hidden = !on;
  if (!on) {
    live = null;
    return say('live tail stopped');
  }
  live = { received: 0, dropped: 0, paused: false, backfilled: false, reconnecting: false, overlap: 0, keys: new Set() };
  rows.replaceChildren(); // before the status counts its rows
  setPaused(false);
  chart.clear();
  sliding = setInterval(() => chart.draw(), 5000);
  const p = filtersOf(form);
  history.replaceState(null, '', `?${p}`);
  tail.start(p, tokenInput.value.trim());
}

/** Each connection of the tail starts with a backfill; after the first, what it repeats is skipped. */
function connected() {
  if (live && live.backfilled) Object.assign(live, { reconnecting: true, overlap: 0 });
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  if (live) setLive(false);
  search();
});
liveButton.addEventListener('click', () => setLive(!live));
pauseButton.addEventListener('click', () => setPaused(!live.paused));
moreButton.addEventListener('click', () => search(next));

// The filters; those from the address (so a link can share a view); then the first page.
addFieldFilters(form).then((ok) => {
  if (!ok) say('the collector did not say which fields records have: only text and time filters', { error: true });
  fitHints(form);
  for (const [k, v] of new URLSearchParams(location.search)) if (form.elements[k]) form.elements[k].value = v;
  search();
});
