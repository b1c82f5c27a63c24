// A record's time as people read it in a table: local time as TZ sets it, with its offset
// (+01:00), or UTC marked Z with --utc; either way no one has to guess the zone. JSON keeps ISO UTC.

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `2026-11-27 11:00:29.000+01:00`, or `2026-11-27 10:00:29.000Z` with utc; a value that is not a time is given back as it is. */
export function shownTime(value: string, { utc }: { utc: boolean }): string {
  const ms = Date.parse(value);
  if (!/^\d{4}-\d\d-\d\d/.test(value) || Number.isNaN(ms)) return value;
  const d = new Date(ms);
  if (utc) return `${d.toISOString().replace('T', ' ').slice(0, 23)}Z`;
  const offset = -d.getTimezoneOffset();
  const zone = `${offset < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}${zone}`;
}
