// Where the audit log lives: <data>/audit/, apart from the records (no shard holds an entry and
// no query reads one). A file a UTC day of entries (<day>.ndjson), the days' signed checkpoints
// under checkpoints/<day>/ as the records' are under <data>/checkpoints/, and inbox/ for the
// entries of offline commands that do not hold the folder's lock.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { originOf } from '../log/checkpointer.js';

export const AUDIT = 'audit';
const DAY_FILE = /^(\d{4}-\d\d-\d\d)\.ndjson$/;

/** The audit log's folder: its checkpoints are kept under it as the records' are under the data folder. */
export const auditDir = (data: string): string => join(data, AUDIT);

/** One day's entries. */
export const auditFile = (data: string, day: string): string => join(data, AUDIT, `${day}.ndjson`);

/** The days with an entries file, oldest first. */
export function auditDays(data: string): string[] {
  const dir = auditDir(data);
  return existsSync(dir) ? readdirSync(dir).map((f) => DAY_FILE.exec(f)?.[1]).filter((d): d is string => d !== undefined).sort() : [];
}

/** The audit log's name under a key named `key`: its days' origins are `<key>/audit/<day>`. */
export const auditName = (key: string): string => `${key}/${AUDIT}`;

/** The origin of a day's audit checkpoints. */
export const auditOrigin = (key: string, day: string): string => originOf(auditName(key), day);
