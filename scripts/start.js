#!/usr/bin/env node
// npm start: builds what is missing, then starts redtail on this machine: the collector on
// ./data (REDTAIL_DATA moves it), a demo upstream that echoes each request (demo.js), and the
// dev proxy running the filter in front of it. Ctrl-C stops everything, the filter's buffer sent
// first. The ports can be moved (REDTAIL_PORT, REDTAIL_PROXY_PORT, REDTAIL_UPSTREAM_PORT; 0
// picks a free one); REDTAIL_CONFIG names a collector config file (exporters, say).
//
// npm runs this through `sh -c` (the build runs inside it, not in a `build && start` chain, so
// that sh has one command). Some shells (dash) stay as node's parent and outlive npm when it is
// killed outright: so besides signals, we stop as on Ctrl-C when our parent is reparented or
// our parent's parent goes (npm's death, seen through the shell).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { banner } from './banner.js';
import { DEMO_FILTER_CONFIG, echoServer } from './demo.js';

const root = fileURLToPath(new URL('..', import.meta.url));
try {
  execFileSync(process.execPath, [fileURLToPath(new URL('build.js', import.meta.url)), '--if-missing'], { stdio: 'inherit' });
} catch {
  process.exit(1); // the build said why
}

const { loadConfig, startCollector } = await import('../dist/collector/src/index.js');
const { Host } = await import('../dist/host/src/index.js');
const { startProxy } = await import('../dist/host/src/proxy.js');

const env = process.env;
const ports = { upstream: Number(env.REDTAIL_UPSTREAM_PORT ?? 8080), proxy: Number(env.REDTAIL_PROXY_PORT ?? 10000) };
const listenError = (what, port) => (err) => {
  const variable = { collector: 'REDTAIL_PORT', upstream: 'REDTAIL_UPSTREAM_PORT', proxy: 'REDTAIL_PROXY_PORT' }[what.split(' ').at(-1)] ?? 'its port variable';
  console.error(`redtail: cannot start the ${what} on port ${port}: ${err.message} (is something else using it? set ${variable} to another port)`);
  process.exit(1);
};

// REDTAIL_CONFIG: a collector config file (exporters, tokens, limits), as `redtail serve --config` reads.
let config;
try {
  // The collector's port: the file's, REDTAIL_PORT over it, else the collector's default (9900).
  config = loadConfig({ file: env.REDTAIL_CONFIG || undefined, env: process.env, flags: {} });
} catch (err) {
  console.error(`redtail: ${err.message}`);
  process.exit(1);
}
const collector = await startCollector(config).catch((err) => {
  if (err.code !== 'data_in_use') return listenError('collector', config.port)(err);
  // npm start takes no --data: the folder is REDTAIL_DATA's (or ./data).
  const who = err.pid === undefined ? err.message : `${config.data} is in use by redtail pid ${err.pid}`;
  console.error(`redtail: cannot start the collector: ${who} (stop that one first, or set REDTAIL_DATA to another folder)`);
  process.exit(1);
});

const upstream = echoServer();
await new Promise((resolve) => upstream.once('error', listenError('demo upstream', ports.upstream)).listen(ports.upstream, '127.0.0.1', resolve));
const upstreamPort = upstream.address().port;

const host = new Host({ clusters: { 'redtail-collector': collector.url } });
const module = await host.load(new URL('../build/filter.wasm', import.meta.url).pathname);
// A collector that asks for tokens (REDTAIL_CONFIG's): the filter sends one of its ingest tokens.
const ingest = config.tokens.find((t) => t.scopes.includes('ingest'));
const configuration = JSON.stringify({ ...DEMO_FILTER_CONFIG, ...(ingest ? { collector: { token: ingest.token } } : {}) });
const workers = 2;
const plugins = Array.from({ length: workers }, (_, i) => host.startPlugin(module, { name: 'redtail', rootId: 'redtail', vmId: `worker-${i}`, configuration, failOpen: true }));
const proxy = await startProxy({ plugins, upstream: `http://127.0.0.1:${upstreamPort}`, port: ports.proxy }).catch(listenError('proxy', ports.proxy));

console.log(banner({
  proxyUrl: proxy.url, collectorUrl: collector.url, tokens: config.tokens.length > 0, upstreamPort, data: config.data, filter: module, workers, root, cwd: env.INIT_CWD ?? process.cwd(),
}));

/** The parent of process `pid` (from /proc, Linux), or undefined where that cannot be read. */
function parentOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}
const parent = process.ppid;
const grandparent = parentOf(parent);
await new Promise((resolve) => {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(signal, resolve);
  // Reparented, us or the shell between npm and us: what started us is gone, and nothing would ever send the Ctrl-C.
  setInterval(() => (process.ppid !== parent || parentOf(parent) !== grandparent) && resolve(), 500).unref();
});
console.log('\nstopping: sending what the filter holds, then closing');
await proxy.close();
await Promise.all(plugins.map((p) => p.close(3000)));
await new Promise((resolve) => {
  upstream.close(resolve);
  upstream.closeAllConnections(); // the proxy, its only client, is closed
});
await collector.close();
console.log('redtail stopped: the proxy, the demo upstream and the collector are closed');
