#!/usr/bin/env node
// npm start: builds what is missing (npm's "start" script runs the build first), then starts
// redtail on this machine: the collector on ./data, a demo upstream that echoes each request
// (demo.js), and the dev proxy running the filter in front of it. Ctrl-C stops everything, the
// filter's buffer sent first. The ports can be moved (REDTAIL_PORT, REDTAIL_PROXY_PORT,
// REDTAIL_UPSTREAM_PORT; 0 picks a free one).
import { curlLine, DEMO_FILTER_CONFIG, echoServer } from './demo.js';

const { loadConfig, startCollector } = await import('../dist/collector/src/index.js');
const { Host } = await import('../dist/host/src/index.js');
const { startProxy } = await import('../dist/host/src/proxy.js');

const env = process.env;
const ports = { collector: Number(env.REDTAIL_PORT ?? 9900), upstream: Number(env.REDTAIL_UPSTREAM_PORT ?? 8080), proxy: Number(env.REDTAIL_PROXY_PORT ?? 10000) };
const listenError = (what, port) => (err) => {
  const variable = { collector: 'REDTAIL_PORT', upstream: 'REDTAIL_UPSTREAM_PORT', proxy: 'REDTAIL_PROXY_PORT' }[what.split(' ').at(-1)] ?? 'its port variable';
  console.error(`redtail: cannot start the ${what} on port ${port}: ${err.message} (is something else using it? set ${variable} to another port)`);
  process.exit(1);
};

const collector = await startCollector(loadConfig({ env: process.env, flags: { data: 'data', port: ports.collector } }))
  .catch(listenError('collector', ports.collector));

const upstream = echoServer();
await new Promise((resolve) => upstream.once('error', listenError('demo upstream', ports.upstream)).listen(ports.upstream, '127.0.0.1', resolve));
const upstreamPort = upstream.address().port;

const host = new Host({ clusters: { 'redtail-collector': collector.url } });
const module = await host.load(new URL('../build/filter.wasm', import.meta.url).pathname);
const configuration = JSON.stringify(DEMO_FILTER_CONFIG);
const plugins = [0, 1].map((i) => host.startPlugin(module, { name: 'redtail', rootId: 'redtail', vmId: `worker-${i}`, configuration, failOpen: true }));
const proxy = await startProxy({ plugins, upstream: `http://127.0.0.1:${upstreamPort}`, port: ports.proxy }).catch(listenError('proxy', ports.proxy));

console.log(`
redtail is running
  proxy       ${proxy.url}   (the filter runs here, in front of the demo upstream on :${upstreamPort}, which echoes each request)
  collector   ${collector.url}    (data in ./data)

try it (the card number, the email and the tokens never reach storage, though the upstream echoes them):
  ${curlLine(proxy.url)}
  npx redtail tail --url ${collector.url}            (live, in another terminal)
  npx redtail query --url ${collector.url} --since 15m
  web page    ${collector.url}/              (search, and Live for the live tail)

Ctrl-C stops everything.
`);

await new Promise((resolve) => {
  process.once('SIGINT', resolve);
  process.once('SIGTERM', resolve);
});
console.log('\nstopping: sending what the filter holds, then closing');
await proxy.close();
await Promise.all(plugins.map((p) => p.close(3000)));
upstream.close();
await collector.close();
