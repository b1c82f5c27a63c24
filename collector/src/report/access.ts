// The report's access section, made of plain data: who read or tailed what in the period, as
// entries of an audit log. Without one the section says so instead of showing nothing, which an
// auditor would read as "nobody looked".
import { existsSync } from 'node:fs';
import { entryDetails } from '../audit/entry.js';
import { auditDir } from '../audit/files.js';
import { readAudit } from '../audit/read.js';
import type { Table } from './model.js';

export interface AccessEntry {
  time: string;
  /** The token's name, or the client when there was none. */
  actor: string;
  /** query, tail, export, prune, verify, … */
  action: string;
  detail: string;
}

export interface AccessSection {
  /** False while there is no audit log to read: the renderers say "no audit data". */
  available: boolean;
  entries: AccessEntry[];
  /** Per actor and action: how many entries; most first. */
  summary: { actor: string; action: string; count: number }[];
}

export function accessSection(entries: AccessEntry[] | undefined): AccessSection {
  if (entries === undefined) return { available: false, entries: [], summary: [] };
  const counts = new Map<string, { actor: string; action: string; count: number }>();
  for (const e of entries) {
    const key = JSON.stringify([e.actor, e.action]);
    const c = counts.get(key) ?? { actor: e.actor, action: e.action, count: 0 };
    c.count++;
    counts.set(key, c);
  }
  const summary = [...counts.values()].sort((a, b) => b.count - a.count || (a.actor < b.actor ? -1 : a.actor > b.actor ? 1 : a.action < b.action ? -1 : 1));
  return { available: true, entries: [...entries].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0)), summary };
}

/** The audit log's entries of [from, to) as the section takes them; undefined when the folder has no audit log. */
export function auditedAccess(data: string, from: number, to: number): AccessEntry[] | undefined {
  if (!existsSync(auditDir(data))) return undefined;
  return readAudit(data, { since: from, until: to - 1, limit: Infinity }).map(({ entry }) => ({
    time: entry.time,
    actor: entry.client === undefined ? entry.who : `${entry.who} (${entry.client})`,
    action: entry.action,
    detail: entryDetails(entry),
  }));
}

/** The most entries the human renderers list one by one; JSON has them all. */
export const MOST_LISTED_ENTRIES = 1000;

/** Who did what how often, then each entry (the latest MOST_LISTED_ENTRIES): when, who, what, what was asked. */
export function accessTables(a: AccessSection, figure: (n: number) => string): Table[] {
  return [
    { title: 'Who did what, how often', head: ['actor', 'action', 'times'], numeric: [2], rows: a.summary.map((s) => [s.actor, s.action, figure(s.count)]) },
    { title: 'Each entry', head: ['time', 'actor', 'action', 'detail'], numeric: [], rows: a.entries.slice(-MOST_LISTED_ENTRIES).map((e) => [e.time, e.actor, e.action, e.detail]) },
  ];
}
