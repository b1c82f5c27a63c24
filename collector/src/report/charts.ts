// The report's charts as inline SVG, drawn here: no script, no font or file fetched, so the
// page reads offline and prints as it shows.
import { escapeHtml } from './escape.js';
import { figure } from './sentences.js';

const INK = '#1f4e79';
const MUTED = '#666';

/** Columns over time: one per value, labels under some, the largest value on the axis. */
export function columnChart({ title, labels, values }: { title: string; labels: string[]; values: number[] }): string {
  const width = 720;
  const height = 220;
  const left = 56;
  const bottom = 40;
  const top = 16;
  const plotW = width - left - 8;
  const plotH = height - top - bottom;
  const max = Math.max(1, ...values);
  const step = plotW / Math.max(1, values.length);
  const every = Math.max(1, Math.ceil(values.length / 12)); // at most a dozen labels
  const bars = values.map((v, i) => {
    const h = (v / max) * plotH;
    return `<rect x="${(left + i * step + step * 0.1).toFixed(1)}" y="${(top + plotH - h).toFixed(1)}" width="${Math.max(1, step * 0.8).toFixed(1)}" height="${h.toFixed(1)}" fill="${INK}"><title>${escapeHtml(`${labels[i]}: ${figure(v)}`)}</title></rect>`;
  });
  const ticks = labels.flatMap((l, i) => (i % every === 0 ? [`<text x="${(left + i * step).toFixed(1)}" y="${height - bottom + 14}" font-size="10" fill="${MUTED}">${escapeHtml(l)}</text>`] : []));
  return `<svg role="img" aria-label="${escapeHtml(title)}" viewBox="0 0 ${width} ${height}" width="100%">` +
    `<line x1="${left}" y1="${top + plotH}" x2="${width - 8}" y2="${top + plotH}" stroke="${MUTED}"/>` +
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="${MUTED}"/>` +
    `<text x="${left - 4}" y="${top + 8}" font-size="10" text-anchor="end" fill="${MUTED}">${figure(max)}</text>` +
    `<text x="${left - 4}" y="${top + plotH}" font-size="10" text-anchor="end" fill="${MUTED}">0</text>` +
    bars.join('') + ticks.join('') + '</svg>';
}

/** Horizontal bars, one per label, largest first as given, each with its figure. */
export function barChart({ title, labels, values }: { title: string; labels: string[]; values: number[] }): string {
  const width = 720;
  const row = 22;
  const left = 200;
  const right = 80;
  const height = Math.max(1, values.length) * row + 8;
  const max = Math.max(1, ...values);
  const bars = values.map((v, i) => {
    const y = 4 + i * row;
    const w = (v / max) * (width - left - right);
    const label = labels[i]!.length > 30 ? `${labels[i]!.slice(0, 29)}…` : labels[i]!;
    return `<text x="${left - 6}" y="${y + 14}" font-size="12" text-anchor="end">${escapeHtml(label)}</text>` +
      `<rect x="${left}" y="${y + 2}" width="${Math.max(1, w).toFixed(1)}" height="${row - 6}" fill="${INK}"><title>${escapeHtml(`${labels[i]}: ${figure(v)}`)}</title></rect>` +
      `<text x="${(left + w + 6).toFixed(1)}" y="${y + 14}" font-size="12" fill="${MUTED}">${figure(v)}</text>`;
  });
  return `<svg role="img" aria-label="${escapeHtml(title)}" viewBox="0 0 ${width} ${height}" width="100%">${bars.join('')}</svg>`;
}
