// Requests per second by status class over the last minutes, drawn as stacked bars in an inline
// SVG from the records the live tail brings (its backfill included), by their start time.
const SVG = 'http://www.w3.org/2000/svg';
export const WINDOW_MS = 5 * 60_000;
const BUCKET_MS = 5000;
const BUCKETS = WINDOW_MS / BUCKET_MS;
/** The classes drawn, bottom up; `other` is 1xx and 0 (a stream that ended without a response). */
export const CLASSES = ['2xx', '3xx', '4xx', '5xx', 'other'];
const WIDTH = 300;
const HEIGHT = 40;

export const classOf = (code) => (code >= 200 && code < 600 ? `${Math.floor(code / 100)}xx` : 'other');

export class RateChart {
  constructor(svg, legend) {
    this.svg = svg;
    this.legend = legend;
    /** Counts per class, by bucket number (time / BUCKET_MS). */
    this.buckets = new Map();
    this.pending = null;
  }

  clear() {
    this.buckets.clear();
    this.schedule();
  }

  add(record) {
    const t = Date.parse(record.start_time);
    if (Number.isNaN(t)) return;
    const now = Date.now();
    if (t < now - WINDOW_MS) return;
    const b = Math.floor(Math.min(t, now) / BUCKET_MS);
    let counts = this.buckets.get(b);
    if (!counts) this.buckets.set(b, (counts = Object.fromEntries(CLASSES.map((c) => [c, 0]))));
    counts[classOf(Number(record.response_code))]++;
    this.schedule();
  }

  /** Drawn once for a burst of records, not once per record. */
  schedule() {
    if (this.pending === null) this.pending = setTimeout(() => this.draw(), 100);
  }

  draw() {
    this.pending = null;
    const last = Math.floor(Date.now() / BUCKET_MS);
    for (const b of this.buckets.keys()) if (b <= last - BUCKETS) this.buckets.delete(b);
    const totals = Object.fromEntries(CLASSES.map((c) => [c, 0]));
    let peak = 1;
    for (const counts of this.buckets.values()) {
      peak = Math.max(peak, CLASSES.reduce((n, c) => n + counts[c], 0));
      for (const c of CLASSES) totals[c] += counts[c];
    }
    const bars = [];
    const w = WIDTH / BUCKETS;
    for (const [b, counts] of this.buckets) {
      const x = (BUCKETS - 1 - (last - b)) * w;
      let y = HEIGHT;
      const g = document.createElementNS(SVG, 'g');
      const title = document.createElementNS(SVG, 'title');
      title.textContent = `${new Date(b * BUCKET_MS).toLocaleTimeString()}: ${CLASSES.filter((c) => counts[c]).map((c) => `${c} ${(counts[c] / (BUCKET_MS / 1000)).toFixed(1)}/s`).join(', ')}`;
      g.append(title);
      for (const c of CLASSES) {
        if (counts[c] === 0) continue;
        const h = (counts[c] / peak) * HEIGHT;
        y -= h;
        const rect = document.createElementNS(SVG, 'rect');
        for (const [k, v] of Object.entries({ x, y, width: w * 0.8, height: h })) rect.setAttribute(k, String(v));
        rect.setAttribute('class', `c${c}`);
        rect.dataset.count = String(counts[c]);
        g.append(rect);
      }
      bars.push(g);
    }
    this.svg.replaceChildren(...bars);
    const parts = [];
    for (const c of CLASSES) {
      if (c === 'other' && totals[c] === 0) continue;
      const span = document.createElement('span');
      span.className = `c${c}`;
      span.dataset.class = c;
      span.dataset.count = String(totals[c]);
      span.textContent = `${c} ${(totals[c] / (WINDOW_MS / 1000)).toFixed(2)}/s`;
      parts.push(span, ' ');
    }
    parts.push(`req/s, last ${WINDOW_MS / 60_000} min; peak ${(peak / (BUCKET_MS / 1000)).toFixed(1)}/s`);
    this.legend.replaceChildren(...parts);
  }
}
