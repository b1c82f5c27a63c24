// redtail prove: a proof bundle made offline from the data folder (read-only; the collector may
// be running), for an auditor to check with redtail verify-proof and the public key alone: that
// a record is in the log a signed checkpoint vouches for, or that the log did not shrink or fork
// between two checkpoints they hold.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { findRecords, formatRef, parseRef, ProofError, proveConsistency, proveInclusion, type RecordRef } from '../collector/src/index.js';
import { leaveForAudit } from './left-for-audit.js';
import { commandFlags, positionals, UsageError } from './args.js';
import { DATA_FLAGS, dataConfig, dataFolderProblem } from './data-config.js';
import { printable, printableJson } from './printable.js';

const FLAGS = {
  data: DATA_FLAGS.data,
  config: { value: 'FILE', help: 'the collector\'s config file (for data, and when the next checkpoint is due)' },
  consistency: { value: '', help: 'prove that the checkpoint file NEW extends OLD (redtail prove --consistency OLD NEW)' },
  out: { value: 'FILE', help: 'write the bundle to FILE (default: print it)' },
  json: { value: '', help: 'say what was done, or why not, as one JSON line' },
};
const SUMMARY = `redtail prove <request_id | <epoch>/<leaf index>>   an inclusion proof of one record
       redtail prove --consistency OLD.checkpoint NEW.checkpoint   a consistency proof of two

Writes a proof bundle (JSON) that redtail verify-proof checks with the log's public key alone.
A record is named by its request_id, or by its place in the log: its day and its index, from 0,
in that day's tree (2026-12-03/41). It is proved against the latest checkpoint that covers it.`;

export async function proveCommand(argv: string[]): Promise<number> {
  const { positional, flags: rest } = positionals(argv, FLAGS);
  const flags = commandFlags('prove', SUMMARY, FLAGS, rest);
  if (typeof flags === 'number') return flags;
  const config = dataConfig('prove', flags);
  if (typeof config === 'number') return config;
  const json = flags.json !== undefined;
  const say = (ok: boolean, text: string, fields: Record<string, unknown>): void => {
    if (json) process.stdout.write(`${printableJson({ ok, ...fields, message: text })}\n`);
    else (ok ? console.log : console.error)(`redtail prove: ${printable(text)}`);
  };
  const consistency = flags.consistency !== undefined;
  if (positional.length !== (consistency ? 2 : 1)) {
    throw new UsageError(`give ${consistency ? 'two checkpoint files, OLD and NEW' : 'one request_id or <epoch>/<leaf index>'}`);
  }
  const missing = dataFolderProblem('prove', config.data);
  if (missing) {
    console.error(missing);
    return 2;
  }
  try {
    if (consistency) {
      const [oldFile, newFile] = positional as [string, string];
      for (const f of [oldFile, newFile]) {
        if (!existsSync(f)) {
          console.error(`redtail prove: ${f}: no such checkpoint file`);
          return 2;
        }
      }
      const bundle = proveConsistency(config.data, readFileSync(oldFile, 'utf8'), readFileSync(newFile, 'utf8'));
      leaveForAudit('prove', config.data, { kind: bundle.kind, epoch: bundle.epoch, out: flags.out ?? null });
      return write(bundle, flags.out, () => say(true, `consistency of ${bundle.epoch}: ${oldFile} to ${newFile}, written to ${flags.out}`, { kind: bundle.kind, epoch: bundle.epoch, out: flags.out ?? null }));
    }
    const wanted = positional[0]!;
    const refs: RecordRef[] = parseRef(wanted) ? [parseRef(wanted)!] : findRecords(config.data, wanted);
    if (refs.length === 0) {
      say(false, `no stored record has request_id ${JSON.stringify(wanted)} (a record by its place: <epoch>/<leaf index>)`, { request_id: wanted });
      return 1;
    }
    if (refs.length > 1) {
      say(false, `${refs.length} records have request_id ${JSON.stringify(wanted)}: prove one by its place, ${refs.map(formatRef).join(', ')}`, { request_id: wanted, refs: refs.map(formatRef) });
      return 1;
    }
    const ref = refs[0]!;
    const made = proveInclusion(config.data, ref);
    if (!('kind' in made)) {
      const due = made.latest ? new Date(made.latest.time + config.log.checkpointIntervalMs).toISOString() : 'at the collector\'s next start or interval';
      say(false, `record ${formatRef(ref)} is not signed for yet: ${made.latest ? `the latest checkpoint of ${ref.epoch} holds ${made.latest.size} records` : `${ref.epoch} has no checkpoint`}; the next is due ${due}`,
        { ref: formatRef(ref), signed: made.latest?.size ?? 0, due });
      return 3;
    }
    // A bundle holds the record whole: who took one out is the audit log's to know.
    leaveForAudit('prove', config.data, { kind: made.kind, asked: wanted, ref: formatRef(ref), out: flags.out ?? null });
    return write(made, flags.out, () => say(true, `record ${formatRef(ref)} proved against the checkpoint of ${made.epoch}, written to ${flags.out}`, { kind: made.kind, ref: formatRef(ref), out: flags.out }));
  } catch (err) {
    if (!(err instanceof ProofError)) throw err;
    say(false, err.message, { code: err.code });
    return 1;
  }
}

/** The bundle to `out`, then said; or printed, as the only output. */
function write(bundle: object, out: string | undefined, done: () => void): number {
  const text = `${JSON.stringify(bundle, null, 2)}\n`;
  if (out === undefined) {
    process.stdout.write(text);
    return 0;
  }
  writeFileSync(out, text);
  done();
  return 0;
}
