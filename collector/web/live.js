// The live tail (GET /v1/tail): opens with the latest records stored (backfill), then streams
// new ones; the collector reads the backfill in the step that subscribes, so none is missed or
// doubled. The token goes as a WebSocket subprotocol: browsers cannot set headers on a WebSocket,
// and an address is what proxies log. Reconnects by itself; each connection backfills again.
import { asRecord } from './rows.js';

/** Records the tail opens with. */
export const BACKFILL = 100;

/** The subprotocols that carry a token (the collector answers "redtail"). */
function protocols(token) {
  if (!token) return [];
  const base64 = btoa(String.fromCharCode(...new TextEncoder().encode(token)));
  return ['redtail', `redtail.bearer.${base64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}`];
}

/** One line of a message, as what it is: a record, the end of the backfill, a drop or a notice. */
function itemOf(line) {
  const r = asRecord(line);
  if (!r) return { unreadable: line };
  // The collector's own lines are objects of one key; a record may hold a field of that name too.
  const only = Object.keys(r);
  if (typeof r.backfilled === 'number' && only.every((k) => k === 'backfilled' || k === 'left_out')) return { backfilled: r.backfilled, leftOut: r.left_out || 0 };
  if (only.length === 1 && typeof r.dropped === 'number') return { dropped: r.dropped };
  if (only.length === 1 && r.notice && typeof r.notice.message === 'string') return { notice: r.notice.message };
  return { record: r };
}

export class LiveTail {
  /** `onItem(item)` for each line, `onState(text, { error })` as the connection goes, `onConnect()` as each starts. */
  constructor({ onItem, onState, onConnect }) {
    this.onItem = onItem;
    this.onState = onState;
    this.onConnect = onConnect;
    this.socket = null;
    this.on = false;
  }

  start(params, token) {
    this.on = true;
    this.params = new URLSearchParams(params);
    this.params.set('backfill', String(BACKFILL));
    this.token = token;
    this.connect();
  }

  connect() {
    const socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/tail?${this.params}`, protocols(this.token));
    this.socket = socket;
    this.onConnect?.();
    socket.onmessage = (event) => {
      for (const line of String(event.data).split('\n')) if (line.trim()) this.onItem(itemOf(line));
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (!this.on) return;
      this.onState(`live tail closed (${event.code}${event.reason ? `: ${event.reason}` : ''}); reconnecting…`, { error: true });
      setTimeout(() => { if (this.on && !this.socket) this.connect(); }, 1000);
    };
  }

  stop() {
    this.on = false;
    const socket = this.socket;
    this.socket = null;
    if (socket) socket.close();
  }
}
