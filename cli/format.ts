// One record as one aligned line for people: time, status (colored on a terminal), method,
// service, duration, authority and path, request id. Every value is printable (printable.ts).
import { printable } from './printable.js';
import { shownTime } from './shown-time.js';

const COLORS = { red: '\x1b[31m', yellow: '\x1b[33m', green: '\x1b[32m', dim: '\x1b[2m', reset: '\x1b[0m' };

/** A value as people see it: its control characters escaped, cut to n characters or padded to them. */
function clip(s: unknown, n: number): string {
  const t = printable(String(s ?? '-'));
  return t.length > n ? `${t.slice(0, n - 1)}…` : t.padEnd(n);
}

/** How a line is written: `color` for a terminal; `utc` for times in UTC rather than local time. */
export interface LineStyle {
  color: boolean;
  utc?: boolean;
}

export function recordLine(r: Record<string, unknown>, { color, utc = false }: LineStyle): string {
  const code = Number(r.response_code ?? 0);
  const paint = (c: keyof typeof COLORS, s: string) => (color ? `${COLORS[c]}${s}${COLORS.reset}` : s);
  const status = printable(String(Number.isInteger(code) ? code : r.response_code)).padStart(3);
  const colored = code >= 500 || code === 0 ? paint('red', status) : code >= 400 ? paint('yellow', status) : paint('green', status);
  const time = printable(shownTime(String(r.start_time ?? ''), { utc }));
  return [
    paint('dim', time.padEnd(29)), colored, clip(r.method, 7), clip(r.service, 16),
    `${printable(String(r.duration ?? '-')).padStart(6)}ms`, clip(`${r.authority ?? ''}${r.path ?? ''}`, 60), paint('dim', printable(String(r.request_id ?? ''))),
  ].join('  ');
}

/**
 * The collector's notice that records were dropped for this tail: {"dropped": N} and nothing else.
 * A record may hold a field of that name too (it always holds start_time): it is shown as a record.
 */
export const isDropNotice = (m: Record<string, unknown>): m is { dropped: number } => typeof m.dropped === 'number' && Object.keys(m).length === 1;

/** The collector's notice of the trail's completeness (a source silent or back, batches missing, records lost): {"notice": {…, "message"}} alone. */
export const isNotice = (m: Record<string, unknown>): m is { notice: { message: string } } =>
  Object.keys(m).length === 1 && typeof m.notice === 'object' && m.notice !== null && typeof (m.notice as { message?: unknown }).message === 'string';

export function noticeLine(notice: { message: string }, { color }: LineStyle): string {
  const text = `! ${printable(notice.message)}`;
  return color ? `${COLORS.yellow}${text}${COLORS.reset}` : text;
}

export function gapLine(dropped: number, { color }: LineStyle): string {
  const text = `… ${dropped} records dropped for this tail (it fell behind)`;
  return color ? `${COLORS.yellow}${text}${COLORS.reset}` : text;
}

/** A line from the collector that is not a record (not JSON, or not an object): shown as such, so the stream goes on. */
export function unreadableLine(text: string, { color }: LineStyle): string {
  const shown = text.length > 120 ? `${text.slice(0, 119)}…` : text;
  const line = `(unreadable, not a record: ${printable(shown)})`;
  return color ? `${COLORS.red}${line}${COLORS.reset}` : line;
}

/** A parsed line as a record (a JSON object), or undefined. */
export function asRecord(line: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
