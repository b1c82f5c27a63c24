// redtail serve: the collector on one port, data in SQLite shards under --data.
import { ConfigError, CursorUnreadable, FolderInUse, loadConfig, NoteError, startCollector, stderrLog } from '../collector/src/index.js';
import { commandFlags } from './args.js';
import { port as portOf } from './integers.js';
import { folderProblem } from './folder-problem.js';
import { listenProblem } from './listen-problem.js';
import { runUntilSignal } from './stop.js';

const FLAGS = {
  data: { value: 'DIR', help: 'where the SQLite shards live (default ./data; env REDTAIL_DATA)' },
  port: { value: 'N', help: 'the HTTP port (default 9900; env REDTAIL_PORT)' },
  host: { value: 'ADDR', help: 'the address to listen on (default 127.0.0.1; env REDTAIL_HOST); others need tokens' },
  'tls-cert': { value: 'FILE', help: 'serve HTTPS and WSS with this PEM certificate (and chain), with --tls-key; re-read on SIGHUP and on change (env REDTAIL_TLS_CERT)' },
  'tls-key': { value: 'FILE', help: 'the PEM private key of --tls-cert (env REDTAIL_TLS_KEY)' },
  config: { value: 'FILE', help: 'a JSON config file: tokens, retention_days, allowed_hosts, allowed_origins, tls, limits, exporters (see docs/collector.md)' },
};
const SUMMARY = 'Runs the collector: POST /v1/ingest takes batches, GET /v1/logs answers queries, GET /healthz says it is up.';

export async function serve(argv: string[]): Promise<number> {
  const flags = commandFlags('serve', SUMMARY, FLAGS, argv);
  if (typeof flags === 'number') return flags;
  const port = flags.port === undefined ? undefined : portOf(flags.port, '--port');
  let config;
  try {
    config = loadConfig({ file: flags.config, env: process.env, flags: { data: flags.data, host: flags.host, port, tlsCert: flags['tls-cert'], tlsKey: flags['tls-key'] } });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`redtail serve: ${err.message}`);
      return 2;
    }
    throw err;
  }
  let collector;
  try {
    collector = await startCollector(config);
  } catch (err) {
    // The collector undoes what it started (the folder's lock included) before this is thrown.
    // Not a usage error: the command was right, the machine is not ready for it (exit 1).
    const problem = listenProblem(err, { flag: '--port' }) ?? folderProblem(err, { what: 'data folder', folder: config.data });
    if (problem !== undefined || err instanceof FolderInUse || err instanceof CursorUnreadable) {
      console.error(`redtail serve: ${problem ?? (err as Error).message}`);
      return 1;
    }
    if (!(err instanceof NoteError) && !(err instanceof ConfigError)) throw err;
    console.error(`redtail serve: ${err.message}`);
    return 2;
  }
  if (config.tokens.length === 0) {
    stderrLog({ level: 'warn', event: 'no_tokens', message: `no tokens configured: listening on ${config.host} only, and anyone on this machine can read and write` });
  }
  return runUntilSignal(() => collector.close());
}
