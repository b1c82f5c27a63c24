// redtail verify: the data folder's log checked offline with the public key only (the
// collector's log/verify.ts), a line per epoch; exit 0 only when every check holds.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NoteError, publicKeyFile, readVerifier, verifyLog } from '../collector/src/index.js';
import { commandFlags } from './args.js';
import { dataConfig } from './data-config.js';

const FLAGS = {
  data: { value: 'DIR', help: 'the collector\'s data folder (default ./data; env REDTAIL_DATA)' },
  pubkey: { value: 'FILE', help: 'the log\'s public key (default: the .pub beside the key file; an auditor gives their own copy)' },
  config: { value: 'FILE', help: 'the collector\'s config file (for data and log.key_file)' },
  'from-checkpoint': { value: 'PATH', help: 'checkpoints held apart: a folder made by redtail checkpoints --out, or one checkpoint file; the records must match them too' },
  json: { value: '', help: 'print NDJSON, one epoch a line' },
};
const SUMMARY = 'Recomputes each day\'s Merkle tree from the stored records and checks every signed checkpoint against it.';

export async function verifyCommand(argv: string[]): Promise<number> {
  const flags = commandFlags('verify', SUMMARY, FLAGS, argv);
  if (typeof flags === 'number') return flags;
  const config = dataConfig('verify', flags);
  if (typeof config === 'number') return config;
  if (!existsSync(config.data)) {
    console.error(`redtail verify: no data folder at ${config.data} (give the collector's with --data)`);
    return 2;
  }
  const pubkey = flags.pubkey ?? publicKeyFile(config.log.keyFile ?? join(config.data, 'log.key'));
  let verifier;
  try {
    verifier = readVerifier(pubkey);
  } catch (err) {
    if (!(err instanceof NoteError)) throw err;
    console.error(`redtail verify: ${err.message}`);
    return 2;
  }
  const started = performance.now();
  const held = flags['from-checkpoint'];
  if (held !== undefined && !existsSync(held)) {
    console.error(`redtail verify: --from-checkpoint ${held}: no such file or folder`);
    return 2;
  }
  const reports = verifyLog(config.data, verifier, { held });
  const seconds = (performance.now() - started) / 1000;
  const json = flags.json !== undefined && flags.json !== 'false';
  for (const r of reports) {
    if (json) console.log(JSON.stringify(r));
    else if (r.ok && r.deleted) console.log(`DEL  ${r.epoch}  ${r.signed} records, deleted on ${r.deleted.time} (${r.deleted.reason}); its last checkpoint, ${r.last}, is kept`);
    else if (r.ok) console.log(`OK   ${r.epoch}  ${r.records} records, ${r.checkpoints} checkpoints, last ${r.last ?? '-'}${r.records > r.signed ? ` (${r.records - r.signed} records after it, not signed for yet)` : ''}`);
    else console.log(`FAIL ${r.epoch}: ${r.failures.join('\n     and: ')}`);
  }
  const records = reports.reduce((n, r) => n + r.records, 0);
  if (reports.length === 0) {
    console.error(`redtail verify: nothing to verify in ${config.data}: no shards, no checkpoints`);
    return 1;
  }
  const failed = reports.filter((r) => !r.ok).length;
  if (!json) {
    // The whole key, not its name: a key swapped for another of the same name shows here.
    console.error(`${failed ? `${failed} of ${reports.length} epochs FAILED` : `all ${reports.length} epochs verified`}: ${records} records ` +
      `in ${seconds.toFixed(2)} s (${Math.round(records / Math.max(seconds, 1e-6))} records/s), key ${verifier.text}`);
  }
  return failed ? 1 : 0;
}
