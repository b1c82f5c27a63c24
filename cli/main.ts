// redtail: one command, subcommands per step of the data path. Each subcommand is registered
// here when it exists; none is listed before it works.
import { version } from './version.js';
import { UsageError } from './args.js';
import { closest } from './closest.js';

// Each command's module is loaded when it runs: --version, help and a mistyped name answer at
// once, without loading the collector, the host and their dependencies.
const commands: Record<string, { summary: string; run: (args: string[]) => Promise<number> }> = {
  serve: { summary: 'run the collector (ingest, SQLite shards, query, live tail)', run: async (a) => (await import('./serve.js')).serve(a) },
  query: { summary: 'print stored records, newest first (a table, or --json)', run: async (a) => (await import('./query.js')).queryCommand(a) },
  tail: { summary: 'stream records live as they are stored', run: async (a) => (await import('./tail.js')).tail(a) },
  prune: { summary: 'remove shards older than the retention', run: async (a) => (await import('./prune.js')).pruneCommand(a) },
  verify: { summary: 'check the stored records against the signed checkpoints, offline', run: async (a) => (await import('./verify.js')).verifyCommand(a) },
  prove: { summary: 'a proof bundle: one record in the signed log, or two checkpoints consistent', run: async (a) => (await import('./prove.js')).proveCommand(a) },
  'verify-proof': { summary: 'check a proof bundle with the public key only, offline', run: async (a) => (await import('./verify-proof.js')).verifyProofCommand(a) },
  checkpoints: { summary: 'list the signed checkpoints, or copy them out to storage the collector cannot rewrite', run: async (a) => (await import('./checkpoints.js')).checkpointsCommand(a) },
  report: { summary: 'a compliance report for a period: records, redactions, gaps, retention, verification (md, json or html)', run: async (a) => (await import('./report.js')).reportCommand(a) },
  audit: { summary: 'list the audit log: who read what, refused tokens, retention, verify, starts and stops', run: async (a) => (await import('./audit.js')).auditCommand(a) },
  relay: { summary: 'forward the filter\'s batches to a central collector, spooling while it is away', run: async (a) => (await import('./relay.js')).relayCommand(a) },
  proxy: { summary: 'run a proxy-wasm filter in front of an upstream, as Envoy would', run: async (a) => (await import('./proxy.js')).proxyCommand(a) },
};

function help(): string {
  const names = Object.keys(commands);
  const width = Math.max(8, ...names.map((n) => n.length));
  return [
    'usage: redtail <command> [options]',
    '',
    'commands:',
    ...names.map((n) => `  ${n.padEnd(width)}  ${commands[n]!.summary}`),
    '',
    'redtail help <command> (or redtail <command> --help) for its options; redtail --version for the version.',
  ].join('\n');
}

const HELP = ['help', '--help', '-h'];
const HELP_USAGE = 'usage: redtail help [<command>]\n\nLists the commands, or prints the options of one (as redtail <command> --help does).';

/** A usage error: one line, and where to read how it is called; exit code 2. */
function misused(message: string, command?: string): number {
  console.error(`redtail${command ? ` ${command}` : ''}: ${message}\nsee: redtail help${command ? ` ${command}` : ''}`);
  return 2;
}

function unknownCommand(name: string): number {
  const near = closest(name, Object.keys(commands));
  return misused(`unknown command ${JSON.stringify(name)}${near === undefined ? '' : `; did you mean '${near}'?`}`);
}

// A reader that stops early (`redtail query --json | head -1`) closes the pipe: that is the
// reader's choice, not a failure, so the command ends quietly with 0 whatever it was doing.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
// Whoever read the messages went away: the work goes on (a collector is not stopped by its log
// reader's end), its messages unread.
process.stderr.on('error', () => {});

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    console.error(help());
    return 2;
  }
  // A word after these is a mistake (a command typed after --version), not something to ignore.
  if (name === '--version' || name === '-V' || name === 'version') {
    if (rest.length > 0) return misused(`${name} takes nothing after it, got ${JSON.stringify(rest[0])}`);
    console.log(`redtail ${version()}`);
    return 0;
  }
  if (HELP.includes(name)) {
    if (rest.length > 1) return misused(`${name} takes one command, got ${JSON.stringify(rest[1])} after ${JSON.stringify(rest[0])}`);
    if (rest[0] === undefined) {
      console.log(help());
      return 0;
    }
    if (HELP.includes(rest[0])) {
      console.log(HELP_USAGE);
      return 0;
    }
    const asked = commands[rest[0]];
    return asked === undefined ? unknownCommand(rest[0]) : asked.run(['--help']);
  }
  const command = commands[name];
  if (command === undefined) return name.startsWith('-') ? misused(`unknown option ${JSON.stringify(name)} before the command`) : unknownCommand(name);
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) return misused(err.message, name);
    throw err;
  }
}

process.exitCode = await main(process.argv.slice(2));
