// redtail proxy: a real HTTP/1.1 reverse proxy running a proxy-wasm filter on every request, as
// Envoy would, on N VMs; its filter's metrics on an admin port, its log lines on stderr.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { ConfigError, trustedCas } from '../collector/src/index.js';
import { Host, PluginError, ModuleError, type Plugin, vmMemoryPrometheus } from '../host/src/index.js';
import { startProxy } from '../host/src/proxy.js';
import { commandFlags, UsageError } from './args.js';
import { httpUrl } from './http-url.js';
import { integer, port as portOf } from './integers.js';
import { listenProblem, type PortFlag } from './listen-problem.js';

const FLAGS = {
  listen: { value: 'PORT', help: 'the port to listen on (default 10000)' },
  upstream: { value: 'URL', help: 'where requests go (default http://127.0.0.1:8080)' },
  filter: { value: 'FILE', help: 'the proxy-wasm module (default build/filter.wasm); none: no module, a plain pass-through' },
  'filter-config': { value: 'FILE', help: 'the filter\'s configuration (JSON; default none: the filter\'s defaults)' },
  cluster: { value: 'NAME=URL', help: 'an Envoy cluster the filter may call (repeatable; default redtail-collector=http://127.0.0.1:9900)', repeatable: true },
  'vm-env': { value: 'NAME[=VALUE]', help: 'an environment variable the filter\'s VMs see (repeatable): NAME passes this process\'s own, as Envoy\'s host_env_keys; NAME=VALUE sets one, as key_values', repeatable: true },
  ca: { value: 'FILE', help: 'PEM CA bundle that signed an https:// cluster\'s certificate, added to the default CAs (env REDTAIL_CA)' },
  workers: { value: 'N', help: 'VMs running the filter, like Envoy\'s worker threads (default 2)' },
  admin: { value: 'PORT', help: 'the admin port: /stats/prometheus, /ready (default 15000; 0 for any free port; off for none)' },
  'log-level': { value: 'LEVEL', help: 'trace, debug, info, warning, error, critical (default info)' },
  profile: { value: '', help: 'time every callback into the filter and every host call it makes, on the admin\'s /stats/profile (JSON; each call costs a little more)' },
};
const SUMMARY = 'Runs a proxy-wasm filter in front of an upstream, as Envoy would, for local work and demos.';

export async function proxyCommand(argv: string[]): Promise<number> {
  const flags = commandFlags('proxy', SUMMARY, FLAGS, argv);
  if (typeof flags === 'number') return flags;
  const fail = (message: string) => {
    console.error(`redtail proxy: ${message}`);
    return 2;
  };
  const port = portOf(flags.listen ?? '10000', '--listen');
  const adminOff = flags.admin === 'off';
  const adminPort = adminOff ? 0 : portOf(flags.admin ?? '15000', '--admin', { or: 'off' });
  const workers = integer(flags.workers ?? '2', '--workers', { min: 1, max: 64 });
  const clusters: Record<string, string> = {};
  for (const spec of (flags.cluster ?? 'redtail-collector=http://127.0.0.1:9900').split('\n')) {
    const eq = spec.indexOf('=');
    if (eq <= 0) throw new UsageError(`--cluster must be NAME=URL, got ${JSON.stringify(spec)}`);
    clusters[spec.slice(0, eq)] = spec.slice(eq + 1);
  }
  const upstream = upstreamUrl(flags.upstream ?? 'http://127.0.0.1:8080');
  const vmEnvironment = vmEnv(flags['vm-env']);
  let configuration = '';
  if (flags['filter-config']) {
    try {
      configuration = readFileSync(flags['filter-config'], 'utf8');
    } catch (err) {
      return fail(`cannot read --filter-config: ${(err as Error).message}`);
    }
  }
  let ca: string[] | undefined;
  try {
    ca = trustedCas({ flag: flags.ca, env: process.env.REDTAIL_CA }, { program: 'redtail proxy' }).ca;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    return 2;
  }
  let host: Host;
  try {
    host = new Host({ clusters, clusterCas: ca, vmEnvironment, profileCalls: flags.profile === 'true', logLevel: (flags['log-level'] ?? 'info') as never });
  } catch (err) {
    return fail((err as Error).message);
  }
  const file = flags.filter ?? new URL('../../build/filter.wasm', import.meta.url).pathname;
  let plugins: Plugin[] = [];
  let loaded = 'no filter';
  try {
    const module = file === 'none' ? undefined : await host.load(file);
    if (module) loaded = `${workers} workers running ${module.path ?? file} (${module.size.toLocaleString('en-US')} bytes)`;
    if (module) plugins = Array.from({ length: workers }, (_, i) => host.startPlugin(module, { name: 'redtail', rootId: 'redtail', vmId: `worker-${i}`, configuration, failOpen: true }));
  } catch (err) {
    if (err instanceof PluginError || err instanceof ModuleError) {
      console.error(`redtail proxy: the filter was refused: ${err.message}`);
      return 1;
    }
    return fail(`cannot load ${file}: ${(err as Error).message}`);
  }
  // A port that cannot be listened on ends the run before anything is served: the filter's VMs
  // (and the proxy, when it is the admin port) are shut, so no half-started proxy stays.
  const unlisten = async (err: unknown, flag: PortFlag) => {
    const problem = listenProblem(err, flag);
    if (problem === undefined) throw err;
    await Promise.all(plugins.map((p) => p.close(0)));
    console.error(`redtail proxy: ${problem}`);
    return 1;
  };
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  try {
    proxy = await startProxy({ plugins, upstream, port });
  } catch (err) {
    return unlisten(err, { flag: '--listen' });
  }
  const admin = http.createServer((req, res) => {
    if (req.url === '/stats/prometheus') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      return res.end(host.metrics.prometheus() + vmMemoryPrometheus(plugins.map((p) => p.vm)));
    }
    if (req.url === '/ready') return res.end('LIVE\n');
    if (req.url === '/stats/profile' && host.callbackStats) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ callbacks: Object.fromEntries(host.callbackStats), hostCalls: Object.fromEntries(host.callStats!) }));
    }
    res.writeHead(404);
    res.end(`see /stats/prometheus and /ready${host.callbackStats ? ' and /stats/profile' : ''}\n`);
  });
  if (!adminOff) {
    try {
      await new Promise<void>((resolve, reject) => {
        admin.once('error', reject);
        admin.listen(adminPort, '127.0.0.1', resolve);
      });
    } catch (err) {
      await proxy.close();
      return unlisten(err, { flag: '--admin', also: 'or --admin off to run without it (a second proxy beside the first needs one of these)' });
    }
  }
  const adminUrl = adminOff ? 'off' : `http://127.0.0.1:${(admin.address() as import('node:net').AddressInfo).port}`;
  // Ready to be stopped before it says it listens: whoever reads that line may stop it at once.
  const stopped = new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.stderr.write(`redtail proxy: listening on ${proxy.url} -> ${upstream}, ${loaded}; admin ${adminUrl}\n`);
  await stopped;
  await proxy.close();
  admin.close();
  // Shut the filter down as Envoy drains: it sends what it holds before the VMs go.
  await Promise.all(plugins.map((p) => p.close(3000)));
  return 0;
}

/** The VMs' environment from --vm-env: a bare NAME must be set here, or the filter would start
 * without what its configuration names and say so only on its first batch. */
function vmEnv(specs: string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const spec of specs?.split('\n') ?? []) {
    const eq = spec.indexOf('=');
    const name = eq < 0 ? spec : spec.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new UsageError(`--vm-env must be NAME or NAME=VALUE, got ${JSON.stringify(spec)}`);
    const value = eq < 0 ? process.env[name] : spec.slice(eq + 1);
    if (value === undefined) throw new UsageError(`--vm-env ${name}: this process has no ${name} in its environment; set it, or give --vm-env ${name}=VALUE`);
    env[name] = value;
  }
  return env;
}

/** The upstream: an http:// or https:// URL with a host, as the proxy forwards to nothing else. */
function upstreamUrl(given: string): string {
  if (httpUrl(given) === undefined) {
    throw new UsageError(`--upstream must be an http:// or https:// URL (http://127.0.0.1:8080), got ${JSON.stringify(given)}`);
  }
  return given;
}
