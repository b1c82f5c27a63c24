// redtail report: the compliance report for a period, the document an operator hands an
// auditor, from the data folder and the log's public key (collector/src/report/). The report is
// written whatever the verification finds; the exit code says whether it verified.
import { renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { buildReport, parseTime, QueryError, renderHtml, renderJson, renderMarkdown, type Report } from '../collector/src/index.js';
import { leaveForAudit } from './left-for-audit.js';
import { commandFlags, UsageError } from './args.js';
import { DATA_FLAGS, dataConfig, dataFolderProblem, dataVerifier } from './data-config.js';
import { printableJsonText, printableLines } from './printable.js';
import { version } from './version.js';

// Whether shown on a terminal now or printed from the file later, the report carries no control
// character a producer put in a value: the same values, as escapes.
const FORMATS: Record<string, (r: Report) => string> = {
  md: (r) => printableLines(renderMarkdown(r)),
  json: (r) => printableJsonText(renderJson(r)),
  html: (r) => printableLines(renderHtml(r)),
};

const FLAGS = {
  from: { value: 'TIME', help: 'the period\'s start: ISO (2026-12-01 is its midnight UTC), or 15m, 2h, 7d ago (required)' },
  to: { value: 'TIME', help: 'the period\'s end, not included (default now)' },
  format: { value: 'md|json|html', help: 'Markdown for people (default), one JSON object, or one self-contained HTML file with charts' },
  out: { value: 'FILE', help: 'write the report to FILE (default: standard output)' },
  ...DATA_FLAGS,
  config: { value: 'FILE', help: 'the collector\'s config file (for data and log.key_file)' },
};
const SUMMARY = 'Writes a compliance report for a period: records per service and day, redactions per rule, gaps, ' +
  'retention actions, access, and the verification of its days with their last signed checkpoints. ' +
  'Exit 0 when every day of the period verifies; 1 when one does not, or none is in the data folder (the report is written, and says FAIL or NO EVIDENCE); 2 on a usage error.';

/** Progress on stderr for a scan that takes a while: a line a second, none for a quick one. */
function progress(): (p: { blocks: number; of: number }) => void {
  let next = performance.now() + 1000;
  return ({ blocks, of }) => {
    if (performance.now() < next) return;
    next += 1000;
    console.error(`redtail report: reading records, ${blocks} of ${of} blocks (${Math.floor((100 * blocks) / Math.max(1, of))}%)`);
  };
}

export async function reportCommand(argv: string[]): Promise<number> {
  const flags = commandFlags('report', SUMMARY, FLAGS, argv);
  if (typeof flags === 'number') return flags;
  const fail = (message: string): 2 => {
    console.error(`redtail report: ${message}`);
    return 2;
  };
  if (flags.from === undefined) throw new UsageError('--from is required: the period\'s start (ISO, or 7d ago)');
  const render = FORMATS[flags.format ?? 'md'];
  if (render === undefined) throw new UsageError(`--format must be md, json or html, got ${JSON.stringify(flags.format)}`);
  const now = Date.now();
  let from: number;
  let to: number;
  try {
    from = parseTime(flags.from, '--from', now);
    to = flags.to === undefined ? now : parseTime(flags.to, '--to', now);
  } catch (err) {
    if (!(err instanceof QueryError)) throw err;
    throw new UsageError(err.message);
  }
  if (!(from < to)) throw new UsageError(`--from (${new Date(from).toISOString()}) must be before --to (${new Date(to).toISOString()})`);
  // Before the records are read (which may take long): a report with nowhere to go is a usage error.
  if (flags.out !== undefined && !statSync(dirname(flags.out), { throwIfNoEntry: false })?.isDirectory()) {
    return fail(`--out: no folder ${dirname(flags.out)} to write ${flags.out} in (make it first)`);
  }
  const config = dataConfig('report', flags);
  if (typeof config === 'number') return config;
  const missing = dataFolderProblem('report', config.data);
  if (missing) {
    console.error(missing);
    return 2;
  }
  const verifier = dataVerifier('report', flags, config);
  if (typeof verifier === 'number') return verifier;
  const report = buildReport({ data: config.data, verifier, from, to, now, version: version(), onProgress: progress() });
  const text = render(report);
  if (flags.out === undefined) process.stdout.write(text);
  else {
    // Whole or not at all: a report cut short must not pass for one.
    writeFileSync(`${flags.out}.tmp`, text);
    renameSync(`${flags.out}.tmp`, flags.out);
  }
  const ok = report.verify.ok && report.verify.epochs.length > 0;
  // The report reads every record of the period: who made one is the audit log's to know.
  leaveForAudit('report', config.data, { from: report.period.from, to: report.period.to, format: flags.format ?? 'md', out: flags.out ?? null, records: report.records.total, verified: ok });
  console.error(`redtail report: ${report.records.total} records from ${report.period.from} to ${report.period.to}; ` +
    `verification ${ok ? 'OK' : report.verify.epochs.length === 0 ? 'found NO EVIDENCE for the period' : 'FAILED'}${flags.out === undefined ? '' : `; written to ${flags.out}`}`);
  return ok ? 0 : 1;
}
