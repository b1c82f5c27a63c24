#!/usr/bin/env node
// npm start: builds what is missing (npm's "start" script runs the build first), then starts
// redtail on this machine: the collector on ./data, a small demo upstream, and the dev proxy
// running the filter in front of it. Ctrl-C stops everything, the filter's buffer sent first.
import http from 'node:http';

const { loadConfig } = await import('../dist/collector/src/config.js');
const { startCollector } = await import('../dist/collector/src/server.js');
const { Host } = await import('../dist/host/src/index.js');
const { startProxy } = await import('../dist/host/src/proxy.js');

const ports = { collector: Number(process.env.REDTAIL_PORT ?? 9900), upstream: 8080, proxy: 10000 };
const listenError = (what, port) => (err) => {
  console.error(`redtail: cannot start the ${what} on port ${port}: ${err.message} (is something else using it?)`);
  process.exit(1);
};

const collector = await startCollector(loadConfig({ env: process.env, flags: { data: 'data', port: ports.collector } }))
  .catch(listenError('collector', ports.collector));

const upstream = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    res.writeHead(req.url.startsWith('/missing') ? 404 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true, method: req.method, path: req.url, received: body.length }));
  });
});
await new Promise((resolve) => upstream.once('error', listenError('demo upstream', ports.upstream)).listen(ports.upstream, '127.0.0.1', resolve));

const host = new Host({ clusters: { 'redtail-collector': collector.url } });
const module = await host.load(new URL('../build/filter.wasm', import.meta.url).pathname);
const configuration = JSON.stringify({ flush: { interval_ms: 500 }, capture: { request_headers: ['content-type', 'authorization'], body: { enabled: true } }, identity: { service: 'demo', namespace: 'local' } });
const plugins = [0, 1].map((i) => host.startPlugin(module, { name: 'redtail', rootId: 'redtail', vmId: `worker-${i}`, configuration, failOpen: true }));
const proxy = await startProxy({ plugins, upstream: `http://127.0.0.1:${ports.upstream}`, port: ports.proxy }).catch(listenError('proxy', ports.proxy));

console.log(`
redtail is running
  proxy       ${proxy.url}   (the filter runs here, in front of the demo upstream on :${ports.upstream})
  collector   ${collector.url}    (data in ./data)

try it (the card number and the token never reach storage):
  curl -s ${proxy.url}/checkout?token=abc123 -H 'authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln' \\
    -H 'content-type: application/json' -d '{"card":"4111 1111 1111 1111","email":"ann@example.com"}'
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
