// redtail relay: the filter's batches in over HTTP on a node or cluster, out over one WebSocket to
// the central collector, spooled to disk while the collector is away.
import { ConfigError, stderrLog } from '../collector/src/index.js';
import { loadRelayConfig } from '../relay/src/config.js';
import { startRelay } from '../relay/src/relay.js';
import { commandFlags } from './args.js';
import { folderProblem } from './folder-problem.js';
import { listenProblem } from './listen-problem.js';
import { runUntilSignal } from './stop.js';

const FLAGS = {
  listen: { value: 'PORT', help: 'the port sidecars send batches to (default 9901; env REDTAIL_PORT)' },
  host: { value: 'ADDR', help: 'the address to listen on (default 127.0.0.1; env REDTAIL_HOST); others need REDTAIL_TOKENS' },
  upstream: { value: 'URL', help: 'the collector\'s WebSocket ingest, ws://collector:9900/v1/stream or wss://… (env REDTAIL_UPSTREAM)' },
  ca: { value: 'FILE', help: 'PEM CA bundle that signed a wss:// collector\'s certificate, added to the default CAs (env REDTAIL_CA)' },
  'tls-cert': { value: 'FILE', help: 'serve HTTPS to sidecars with this PEM certificate, with --tls-key; re-read on SIGHUP and on change (env REDTAIL_TLS_CERT)' },
  'tls-key': { value: 'FILE', help: 'the PEM private key of --tls-cert (env REDTAIL_TLS_KEY)' },
  spool: { value: 'DIR', help: 'where batches wait for the collector (default ./spool; env REDTAIL_SPOOL)' },
  'spool-max-bytes': { value: 'N', help: 'bound on the spool; past it sidecars get 429 and keep their batches (default 1 GiB)' },
  window: { value: 'N', help: 'batches sent to the collector ahead of its acknowledgements (default 16)' },
  'max-body-bytes': { value: 'N', help: 'largest batch taken from a sidecar (default 9 MiB; keep below the collector\'s)' },
  'max-batch-errors': { value: 'N', help: 'collector errors on one batch before it is set aside in the spool\'s rejected table (default 10)' },
  'max-pending-bytes': { value: 'N', help: 'bytes of batches being received from sidecars, all together; past it they get 429 (default 64 MiB)' },
  'body-timeout-ms': { value: 'MS', help: 'longest a batch may take to arrive (default 60000); slower uploads are cut with 408' },
  'body-idle-ms': { value: 'MS', help: 'longest a batch may go without a byte (default 10000); stalled uploads are cut with 408' },
  'first-request-ms': { value: 'MS', help: 'longest a connection may take to send its first request, TLS handshake included (default 10000); a silent one is closed' },
  'allowed-hosts': { value: 'NAMES', help: 'host names the relay answers to, comma-separated (default on loopback: localhost, 127.0.0.1, [::1], redtail-collector; elsewhere any; env REDTAIL_ALLOWED_HOSTS)' },
};
const SUMMARY = 'Forwards the filter\'s batches to a central collector over one WebSocket, spooling them to disk while it is unreachable.\n' +
  'Tokens come from the environment: REDTAIL_TOKENS (what sidecars must send), REDTAIL_UPSTREAM_TOKEN (what the relay sends).';

export async function relayCommand(argv: string[]): Promise<number> {
  const flags = commandFlags('relay', SUMMARY, FLAGS, argv);
  if (typeof flags === 'number') return flags;
  let config;
  try {
    config = loadRelayConfig(flags, process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`redtail relay: ${err.message}`);
    return 2;
  }
  let relay;
  try {
    relay = await startRelay(config, stderrLog);
  } catch (err) {
    // The relay closes its spool and its connection upstream before this is thrown.
    const problem = listenProblem(err, { flag: '--listen' }) ?? folderProblem(err, { what: 'spool', folder: config.spool });
    if (problem !== undefined) {
      console.error(`redtail relay: ${problem}`);
      return 1;
    }
    if (!(err instanceof ConfigError)) throw err;
    console.error(`redtail relay: ${err.message}`);
    return 2;
  }
  return runUntilSignal(() => relay.close(), () => ({ spooled: relay.spool.batches }));
}
