// redtail checkpoints: the signed checkpoints kept in a data folder, listed, or copied out to
// storage the collector cannot rewrite (another disk, a bucket's sync folder, WORM storage), so
// that a later verify can hold the records to heads the collector no longer controls.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { AUDIT, auditDir, CHECKPOINTS, checkpointEpochs, checkpointFiles, DELETION_FILE, parseCheckpoint, unsignedText } from '../collector/src/index.js';
import { commandFlags, UsageError } from './args.js';
import { timeRange } from './time-range.js';
import { DATA_FLAGS, dataConfig, dataFolderProblem } from './data-config.js';

const FLAGS = {
  data: DATA_FLAGS.data,
  config: { value: 'FILE', help: 'the collector\'s config file (for data)' },
  since: { value: 'TIME', help: 'only checkpoints signed from this time: ISO (local time unless it ends in Z or an offset), or 15m, 2h, 7d ago (default: all)' },
  out: { value: 'DIR', help: 'copy them to DIR/<epoch>/, and the audit log\'s to DIR/audit/<day>/ (never overwriting a different file there), with any deletion notes' },
  json: { value: '', help: 'print NDJSON, one checkpoint a line, with its whole note' },
};
const SUMMARY = 'Lists the signed checkpoints of the verifiable log, or copies them out (--out) to storage the collector cannot rewrite.';

interface Listed {
  epoch: string;
  time: string;
  size: number;
  root: string;
  file: string;
  note: string;
}

/** A kept checkpoint file, read for listing (its signature is verify's to check). */
function listed(epoch: string, file: string): Listed | string {
  const note = readFileSync(file, 'utf8');
  try {
    const c = parseCheckpoint(unsignedText(note));
    return { epoch, time: new Date(c.time).toISOString(), size: c.size, root: c.root.toString('base64'), file, note };
  } catch (err) {
    return `${file}: not a checkpoint (${(err as Error).message}); redtail verify says more`;
  }
}

/** Copy `from` to `to` unless the same bytes are there; a different file there is never replaced. */
function copyOut(from: string, to: string): 'copied' | 'there' | 'differs' {
  if (existsSync(to)) return readFileSync(to).equals(readFileSync(from)) ? 'there' : 'differs';
  copyFileSync(from, to);
  return 'copied';
}

export async function checkpointsCommand(argv: string[]): Promise<number> {
  const flags = commandFlags('checkpoints', SUMMARY, FLAGS, argv);
  if (typeof flags === 'number') return flags;
  const config = dataConfig('checkpoints', flags);
  if (typeof config === 'number') return config;
  const missing = dataFolderProblem('checkpoints', config.data);
  if (missing) {
    console.error(missing);
    return 2;
  }
  if (!existsSync(join(config.data, CHECKPOINTS))) {
    console.error(`redtail checkpoints: no checkpoints in ${config.data} (give the collector's data folder with --data)`);
    return 2;
  }
  const since = timeRange(flags).since ?? -Infinity;
  const json = flags.json !== undefined;
  const records = eachCheckpoint(config.data, flags.out, { since, json });
  // The audit log's checkpoints go out too, under audit/, where verify --from-checkpoint looks for them.
  const audit = flags.out === undefined ? undefined : eachCheckpoint(auditDir(config.data), join(flags.out, AUDIT), { since, json });
  if (flags.out !== undefined) {
    said(records.counts, flags.out, '');
    said(audit!.counts, join(flags.out, AUDIT), 'the audit log\'s: ');
  }
  const failed = [records, ...(audit ? [audit] : [])].some((r) => r.bad > 0 || r.counts.differs > 0);
  return failed ? 1 : 0;
}

type Counts = { copied: number; there: number; differs: number };

function said(counts: Counts, to: string, what: string): void {
  console.error(`redtail checkpoints: ${what}${counts.copied} copied to ${to}, ${counts.there} already there${counts.differs ? `, ${counts.differs} DIFFER` : ''}`);
}

/** Each checkpoint kept under `from` (a data folder, or the audit log's folder) since `since`: copied to `to`, or listed. */
function eachCheckpoint(from: string, to: string | undefined, { since, json }: { since: number; json: boolean }): { bad: number; counts: Counts } {
  let bad = 0;
  const counts = { copied: 0, there: 0, differs: 0 };
  for (const epoch of checkpointEpochs(from)) {
    const files = checkpointFiles(from, epoch);
    const deletion = join(from, CHECKPOINTS, epoch, DELETION_FILE);
    const outDir = to === undefined ? undefined : join(to, epoch);
    if (outDir !== undefined && (files.length > 0 || existsSync(deletion))) mkdirSync(outDir, { recursive: true });
    if (outDir !== undefined && existsSync(deletion)) counts[copyOut(deletion, join(outDir, DELETION_FILE))]++;
    for (const file of files) {
      const c = listed(epoch, file);
      if (typeof c === 'string') {
        console.error(`redtail checkpoints: ${c}`);
        bad++;
        continue;
      }
      if (Date.parse(c.time) < since) continue;
      if (outDir !== undefined) {
        const result = copyOut(file, join(outDir, basename(file)));
        counts[result]++;
        if (result === 'differs') console.error(`redtail checkpoints: ${join(outDir, basename(file))} differs from ${file}: left as it was (a checkpoint is never replaced; one of the two was changed)`);
      } else if (json) console.log(JSON.stringify(c));
      else console.log(`${c.epoch}  ${c.time}  ${String(c.size).padStart(10)} records  ${c.root}  ${c.file}`);
    }
  }
  return { bad, counts };
}
