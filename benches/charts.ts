// Small SVG charts for the benchmark page, written by hand so the page needs no package and no
// CDN: lines over labelled points (each with its spread as a band of whiskers), and horizontal
// bars with whiskers. Deterministic output: the same figures make the same bytes.

const WIDTH = 720;
const COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
const FONT = 'font-family="system-ui, sans-serif" font-size="12"';

const escape = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
const num = (n: number) => String(Math.round(n * 10) / 10);

/** Round tick values from 0 (or below, for negative values) to past `max`, about five of them. */
export function ticks(min: number, max: number): number[] {
  const lo = Math.min(0, min);
  const span = Math.max(max - lo, 1e-9);
  const raw = span / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw)!;
  const out: number[] = [];
  // Each tick a whole multiple of the step, rounded to twelve digits so 3 × 0.2 reads 0.6.
  for (let k = Math.floor(lo / step); out.length === 0 || out.at(-1)! < max; k++) out.push(Number((k * step).toPrecision(12)));
  return out;
}

const label = (t: number) => t.toLocaleString('en', { maximumFractionDigits: 3 });

function frame(height: number, title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ${FONT}>`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="${WIDTH / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${escape(title)}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

export interface Series {
  name: string;
  /** One value per x label; null where the series has none. */
  values: (number | null)[];
  /** The spread at each point, drawn as a whisker. */
  low?: (number | null)[];
  high?: (number | null)[];
}

/** Lines over labelled x positions, evenly spaced, with a legend. */
export function lineChart({ title, xLabels, xTitle, yTitle, series }: { title: string; xLabels: string[]; xTitle: string; yTitle: string; series: Series[] }): string {
  const height = 340;
  const [left, right, top, bottom] = [64, WIDTH - 230, 36, height - 52];
  const all = series.flatMap((s) => [...s.values, ...(s.high ?? []), ...(s.low ?? [])]).filter((v): v is number => v !== null && Number.isFinite(v));
  const yTicks = ticks(Math.min(0, ...all), Math.max(...all, 0));
  const [y0, y1] = [yTicks[0]!, yTicks.at(-1)!];
  const x = (i: number) => left + (xLabels.length === 1 ? (right - left) / 2 : (i * (right - left)) / (xLabels.length - 1));
  const y = (v: number) => bottom - ((v - y0) / (y1 - y0 || 1)) * (bottom - top);
  const body: string[] = [];
  for (const t of yTicks) {
    body.push(`<line x1="${left}" x2="${right}" y1="${num(y(t))}" y2="${num(y(t))}" stroke="#ddd"/>`, `<text x="${left - 6}" y="${num(y(t) + 4)}" text-anchor="end">${label(t)}</text>`);
  }
  xLabels.forEach((l, i) => body.push(`<text x="${num(x(i))}" y="${bottom + 18}" text-anchor="middle">${escape(l)}</text>`));
  body.push(`<text x="${(left + right) / 2}" y="${height - 10}" text-anchor="middle">${escape(xTitle)}</text>`);
  body.push(`<text transform="translate(16 ${(top + bottom) / 2}) rotate(-90)" text-anchor="middle">${escape(yTitle)}</text>`);
  series.forEach((s, k) => {
    const color = COLORS[k % COLORS.length]!;
    const points = s.values.flatMap((v, i) => (v === null || !Number.isFinite(v) ? [] : [`${num(x(i))},${num(y(v))}`]));
    body.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.join(' ')}"/>`);
    s.values.forEach((v, i) => {
      if (v === null || !Number.isFinite(v)) return;
      const [lo, hi] = [s.low?.[i], s.high?.[i]];
      // Whiskers side by side, so that series at the same point do not hide each other's.
      const wx = num(x(i) + (k - (series.length - 1) / 2) * 3);
      if (lo != null && hi != null) body.push(`<line x1="${wx}" x2="${wx}" y1="${num(y(lo))}" y2="${num(y(hi))}" stroke="${color}" stroke-width="1"/>`);
      body.push(`<circle cx="${num(x(i))}" cy="${num(y(v))}" r="3" fill="${color}"/>`);
    });
    const ly = top + 8 + k * 18;
    body.push(`<line x1="${right + 16}" x2="${right + 36}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"/>`, `<text x="${right + 42}" y="${ly + 4}">${escape(s.name)}</text>`);
  });
  return frame(height, title, body);
}

export interface Bar {
  label: string;
  median: number;
  min: number;
  max: number;
}

/** Horizontal bars (the median) with whiskers (lowest to highest), one row each. */
export function barChart({ title, unit, bars }: { title: string; unit: string; bars: Bar[] }): string {
  const row = 24;
  const [left, right, top] = [290, WIDTH - 24, 36];
  const height = top + bars.length * row + 44;
  const bottom = top + bars.length * row;
  const xTicks = ticks(Math.min(0, ...bars.map((b) => b.min)), Math.max(0, ...bars.map((b) => b.max)));
  const [x0, x1] = [xTicks[0]!, xTicks.at(-1)!];
  const x = (v: number) => left + ((v - x0) / (x1 - x0 || 1)) * (right - left);
  const body: string[] = [];
  for (const t of xTicks) {
    body.push(`<line x1="${num(x(t))}" x2="${num(x(t))}" y1="${top}" y2="${bottom}" stroke="#ddd"/>`, `<text x="${num(x(t))}" y="${bottom + 16}" text-anchor="middle">${label(t)}</text>`);
  }
  body.push(`<text x="${(left + right) / 2}" y="${height - 8}" text-anchor="middle">${escape(unit)}</text>`);
  bars.forEach((b, i) => {
    const cy = top + i * row + row / 2;
    const color = COLORS[i % COLORS.length]!;
    const [a, z] = [Math.min(x(0), x(b.median)), Math.max(x(0), x(b.median))];
    body.push(`<text x="${left - 8}" y="${num(cy + 4)}" text-anchor="end">${escape(b.label)}</text>`);
    body.push(`<rect x="${num(a)}" y="${num(cy - 8)}" width="${num(z - a)}" height="16" fill="${color}" fill-opacity="0.8"/>`);
    body.push(`<line x1="${num(x(b.min))}" x2="${num(x(b.max))}" y1="${num(cy)}" y2="${num(cy)}" stroke="#333"/>`);
    for (const v of [b.min, b.max]) body.push(`<line x1="${num(x(v))}" x2="${num(x(v))}" y1="${num(cy - 5)}" y2="${num(cy + 5)}" stroke="#333"/>`);
  });
  return frame(height, title, body);
}
