// redtail checkpoints: the signed checkpoints kept in a data folder, listed, or copied out to
// storage the collector cannot rewrite (another disk, a bucket's sync folder, WORM storage), so
// that a later verify can hold the records to heads the collector no longer controls.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { CHECKPOINTS, checkpointEpochs, checkpointFiles, DELETION_FILE, parseCheckpoint, parseTime, QueryError, unsignedText } from '../collector/src/index.js';
import { commandFlags } from './args.js';
import { dataConfig } from './data-config.js';

const FLAGS = {
  data: { value: 'DIR', help: 'the collector\'s data folder (default ./data; env REDTAIL_DATA)' },
  config: { value: 'FILE', help: 'the collector\'s config file (for data)' },
  since: { value: 'TIME', help: 'only checkpoints signed from this time: ISO, or 15m, 2h, 7d ago (default: all)' },
  out: { value: 'DIR', help: 'copy them to DIR/<epoch>/ (never overwriting a different file there), with any deletion notes' },
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
  if (!existsSync(join(config.data, CHECKPOINTS))) {
    console.error(`redtail checkpoints: no checkpoints in ${config.data} (give the collector's data folder with --data)`);
    return 2;
  }
  let since = -Infinity;
  try {
    if (flags.since !== undefined) since = parseTime(flags.since, '--since');
  } catch (err) {
    if (!(err instanceof QueryError)) throw err;
    console.error(`redtail checkpoints: ${err.message}`);
    return 2;
  }
  const json = flags.json !== undefined && flags.json !== 'false';
  let bad = 0;
  const counts = { copied: 0, there: 0, differs: 0 };
  for (const epoch of checkpointEpochs(config.data)) {
    const files = checkpointFiles(config.data, epoch);
    const deletion = join(config.data, CHECKPOINTS, epoch, DELETION_FILE);
    const outDir = flags.out === undefined ? undefined : join(flags.out, epoch);
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
  if (flags.out !== undefined) console.error(`redtail checkpoints: ${counts.copied} copied to ${flags.out}, ${counts.there} already there${counts.differs ? `, ${counts.differs} DIFFER` : ''}`);
  return bad > 0 || counts.differs > 0 ? 1 : 0;
}
