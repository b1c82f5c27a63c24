// redtail verify: the data folder's log checked offline with the public key only (the
// collector's log/verify.ts), a line per epoch, then the audit log's (audit/verify.ts), a line per
// day; exit 0 only when every check holds. The run is itself an audit entry, left in the inbox.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { COLLECTOR, type EpochReport, type Listed, readAudit, verifyAudit, verifyLog } from '../collector/src/index.js';
import { commandFlags } from './args.js';
import { leaveForAudit } from './left-for-audit.js';
import { DATA_FLAGS, dataConfig, dataFolderProblem, dataVerifier } from './data-config.js';

const FLAGS = {
  ...DATA_FLAGS,
  config: { value: 'FILE', help: 'the collector\'s config file (for data and log.key_file)' },
  'from-checkpoint': { value: 'PATH', help: 'checkpoints held apart: a folder made by redtail checkpoints --out, or one checkpoint file; the records, and the audit log, must match them too' },
  json: { value: '', help: 'print NDJSON, one epoch a line' },
};
const SUMMARY = 'Recomputes each day\'s Merkle tree from the stored records and checks every signed checkpoint against it.';

export async function verifyCommand(argv: string[]): Promise<number> {
  const flags = commandFlags('verify', SUMMARY, FLAGS, argv);
  if (typeof flags === 'number') return flags;
  const config = dataConfig('verify', flags);
  if (typeof config === 'number') return config;
  const missing = dataFolderProblem('verify', config.data);
  if (missing) {
    console.error(missing);
    return 2;
  }
  const verifier = dataVerifier('verify', flags, config);
  if (typeof verifier === 'number') return verifier;
  const started = performance.now();
  const held = flags['from-checkpoint'];
  if (held !== undefined && !existsSync(held)) {
    console.error(`redtail verify: --from-checkpoint ${held}: no such file or folder`);
    return 2;
  }
  const reports = verifyLog(config.data, verifier, { held });
  const audits = verifyAudit(config.data, verifier, { held });
  const seconds = (performance.now() - started) / 1000;
  const json = flags.json !== undefined;
  const cited = deletionEntries(config.data);
  for (const r of reports) {
    const entry = r.deleted ? cited.get(r.epoch) : undefined;
    if (json) console.log(JSON.stringify(entry ? { ...r, deleted: { ...r.deleted, audit: entry.ref, by: entry.entry.by } } : r));
    else if (r.ok && r.deleted) console.log(`DEL  ${r.epoch}  ${r.signed} records, ${deletedBy(r, entry)}; its last checkpoint, ${r.last}, is kept`);
    else if (r.ok) console.log(`OK   ${r.epoch}  ${r.records} records, ${r.checkpoints} checkpoints, last ${r.last ?? '-'}${r.records > r.signed ? ` (${r.records - r.signed} records after it, not signed for yet)` : ''}`);
    else console.log(`FAIL ${r.epoch}: ${r.failures.join('\n     and: ')}`);
  }
  for (const r of audits) {
    if (json) console.log(JSON.stringify(r));
    else if (r.ok) console.log(`OK   audit ${r.epoch}  ${r.entries} entries, ${r.checkpoints} checkpoints, last ${r.last ?? '-'}${r.entries > r.signed ? ` (${r.entries - r.signed} entries after it, not signed for yet)` : ''}`);
    else console.log(`FAIL audit ${r.epoch}: ${r.failures.join('\n     and: ')}`);
  }
  const records = reports.reduce((n, r) => n + r.records, 0);
  if (reports.length === 0 && audits.length === 0) {
    console.error(`redtail verify: nothing to verify in ${config.data}: no shards, no checkpoints`);
    return 1;
  }
  const failed = reports.filter((r) => !r.ok).length;
  const auditFailed = audits.filter((r) => !r.ok).length;
  if (!json) {
    // The whole key, not its name: a key swapped for another of the same name shows here.
    // Records after the latest checkpoint are counted, but nothing vouches for them yet: said apart.
    const signed = reports.reduce((n, r) => n + Math.min(r.signed, r.records), 0);
    console.error(`${failed ? `${failed} of ${reports.length} epochs FAILED` : `all ${reports.length} epochs verified`}: ${records} records${signed < records ? ` (${signed} of them signed for)` : ''} ` +
      `in ${seconds.toFixed(2)} s (${Math.round(records / Math.max(seconds, 1e-6))} records/s), key ${verifier.text}`);
    console.error(auditFailed ? `audit log: ${auditFailed} of ${audits.length} days FAILED` : `audit log: all ${audits.length} days verified`);
    if (held !== undefined) console.error(`held copies: the checkpoints in ${held} were read beside the folder's, and the records and the audit log held to them`);
  }
  leaveForAudit('verify', config.data, { argv, epochs: reports.length, failed, audit_days: audits.length, audit_failed: auditFailed });
  return failed || auditFailed ? 1 : 0;
}

/** The audit log's deletion entries, by the epoch they name (the latest one of each). */
function deletionEntries(data: string): Map<string, Listed> {
  return new Map(readAudit(data, { limit: Infinity }).filter((l) => l.entry.action === 'deleted').map((l) => [String(l.entry.epoch), l]));
}

/** "deleted by retention on …", citing the audit entry that says so when there is one. */
function deletedBy(r: EpochReport, entry: Listed | undefined): string {
  if (!r.deleted) return '';
  if (!entry) return `deleted on ${r.deleted.time} (${r.deleted.reason}; no audit entry says so)`;
  const by = entry.entry.who === COLLECTOR ? String(entry.entry.by).replace(/^retention: (.*)$/, 'retention ($1)') : `${entry.entry.who}: ${entry.entry.by}`;
  return `deleted by ${by} on ${r.deleted.time}, audit entry ${entry.ref}`;
}
