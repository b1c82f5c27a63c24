// redtail: one command, subcommands per step of the data path. Each subcommand is registered
// here when it exists; none is listed before it works.
import { proxyCommand } from './proxy.js';
import { pruneCommand } from './prune.js';
import { queryCommand } from './query.js';
import { relayCommand } from './relay.js';
import { serve } from './serve.js';
import { tail } from './tail.js';
import { verifyCommand } from './verify.js';
import { checkpointsCommand } from './checkpoints.js';
import { reportCommand } from './report.js';
import { version } from './version.js';
import { auditCommand } from './audit.js';
import { proveCommand } from './prove.js';
import { verifyProofCommand } from './verify-proof.js';

const commands: Record<string, { summary: string; run: (args: string[]) => Promise<number> }> = {
  serve: { summary: 'run the collector (ingest, SQLite shards, query, live tail)', run: serve },
  query: { summary: 'print stored records, newest first (a table, or --json)', run: queryCommand },
  tail: { summary: 'stream records live as they are stored', run: tail },
  prune: { summary: 'remove shards older than the retention', run: pruneCommand },
  verify: { summary: 'check the stored records against the signed checkpoints, offline', run: verifyCommand },
  prove: { summary: 'a proof bundle: one record in the signed log, or two checkpoints consistent', run: proveCommand },
  'verify-proof': { summary: 'check a proof bundle with the public key only, offline', run: verifyProofCommand },
  checkpoints: { summary: 'list the signed checkpoints, or copy them out to storage the collector cannot rewrite', run: checkpointsCommand },
  report: { summary: 'a compliance report for a period: records, redactions, gaps, retention, verification (md, json or html)', run: reportCommand },
  audit: { summary: 'list the audit log: who read what, refused tokens, retention, verify, starts and stops', run: auditCommand },
  relay: { summary: 'forward the filter\'s batches to a central collector, spooling while it is away', run: relayCommand },
  proxy: { summary: 'run a proxy-wasm filter in front of an upstream, as Envoy would', run: proxyCommand },
};

function help(): string {
  const names = Object.keys(commands);
  const width = Math.max(8, ...names.map((n) => n.length));
  return [
    'usage: redtail <command> [options]      (redtail <command> --help for its options)',
    '',
    'commands:',
    ...names.map((n) => `  ${n.padEnd(width)}  ${commands[n]!.summary}`),
  ].join('\n');
}

const [name, ...rest] = process.argv.slice(2);
if (name === '--version' || name === '-V' || name === 'version') {
  console.log(`redtail ${version()}`);
  process.exit(0);
}
if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
  console.log(help());
  process.exit(0);
}
const command = commands[name];
if (command === undefined) {
  console.error(`redtail: unknown command "${name}"\n\n${help()}`);
  process.exit(2);
}
process.exitCode = await command.run(rest);
