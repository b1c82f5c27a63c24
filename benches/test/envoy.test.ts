// The Envoy bench (benches/envoy/), checked as far as a machine without Docker can: the compose
// file parses and every path it mounts or builds from exists; the Envoy bootstraps derived from
// envoy-config/envoy.yaml use the API's own names, reach the compose services on the ports they
// listen on, load modules that are mounted from files that exist, and carry a filter
// configuration the real filter accepts; run.sh is valid bash; the table computes what it says.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { test } from 'node:test';
import { parse, stringify } from 'yaml';
import { checkWasm, load, TYPES, validate, type Y } from '../../envoy-config/test/envoy-api.js';
import { ADMIN_PORT, envoyConfig, SERVICES, VARIANTS, type Variant, writeEnvoyConfigs } from '../envoy/configs.js';
import { formatEnvoyTable, readRuns } from '../envoy/table.js';

const ROOT = new URL('../../../', import.meta.url).pathname;
const HERE = join(ROOT, 'benches/envoy');
const [compose] = load(join(HERE, 'compose.yaml')) as [Y];
const services = compose.services as Y;
const variants = Object.keys(VARIANTS) as Variant[];

/** A compose bind mount as host path (resolved from benches/envoy, with VARIANT set) and container path. */
function mounts(service: string, variant: Variant): { host: string; container: string }[] {
  return ((services[service].volumes ?? []) as string[]).map((v) => {
    const [host, container] = v.replace('${VARIANT:-redtail}', variant).split(':');
    return { host: resolve(HERE, host!), container: container! };
  });
}

test('compose.yaml: pinned images, a build from the repository\'s Dockerfile, the load generator on demand', () => {
  assert.deepEqual(Object.keys(services).sort(), ['collector', 'envoy', 'load', 'upstream']);
  for (const [name, s] of Object.entries(services) as [string, Y][]) {
    if (s.image) assert.match(s.image, /^[\w./-]+:[\w.-]+$/, `${name}: the image has a tag`);
    assert.doesNotMatch(s.image ?? '', /:latest$/, `${name}: pinned, not latest`);
  }
  const [, minor] = /^envoyproxy\/envoy:v1\.(\d+)\.\d+$/.exec(services.envoy.image)!;
  assert.ok(Number(minor) >= 31, 'an Envoy whose Wasm filter API the configs were checked against (1.31 on), with V8 built in');
  const context = resolve(HERE, services.collector.build.context);
  assert.ok(existsSync(join(context, services.collector.build.dockerfile)), 'the Dockerfile the collector is built from');
  assert.ok(existsSync(join(context, 'package.json')), 'the build context is the repository');
  assert.deepEqual(services.load.profiles, ['load'], 'fortio runs only when run.sh asks');
  assert.match(services.collector.environment.REDTAIL_TOKENS, /^\$\{REDTAIL_BENCH_TOKEN:\?[^}]+\}:ingest$/, 'an ingest token, from run.sh');
});

test('compose.yaml: everything Envoy mounts exists, or is a bootstrap run.sh writes', () => {
  const out = mkdtempSync(join(tmpdir(), 'redtail-envoy-'));
  const written = writeEnvoyConfigs(out, { token: 'envoy-bench-test-token' }).map((f) => basename(f));
  for (const variant of variants) {
    for (const m of mounts('envoy', variant)) {
      if (m.host.startsWith(join(HERE, 'out'))) assert.ok(written.includes(basename(m.host)), `${m.host}: a bootstrap configs.ts writes`);
      else assert.ok(existsSync(m.host), `${m.host} exists (npm run build makes build/)`);
    }
  }
  const bootstrap = mounts('envoy', 'redtail').find((m) => m.host.startsWith(join(HERE, 'out')))!;
  assert.ok(services.envoy.command.join(' ').includes(`-c ${bootstrap.container}`), 'Envoy reads the mounted bootstrap');
  assert.ok(services.envoy.ports.some((p: string) => p.endsWith(`:${ADMIN_PORT}`)), 'the admin port is published for run.sh');
  rmSync(out, { recursive: true, force: true });
});

test('the bootstraps: the wasm filter (V8) before the router, or none; clusters reach the compose services', async () => {
  for (const variant of variants) {
    const bootstrap = parse(stringify(envoyConfig(variant, { token: 'envoy-bench-test-token' }))) as Y;
    const hcm = bootstrap.static_resources.listeners[0].filter_chains[0].filters[0].typed_config as Y;
    assert.equal(hcm['@type'], TYPES.hcm);
    const filters = hcm.http_filters as Y[];
    const chosen = VARIANTS[variant];
    if (!chosen) {
      assert.deepEqual(filters.map((f) => f.name), ['envoy.filters.http.router'], 'none: the router alone');
      continue;
    }
    assert.deepEqual(filters.map((f) => f.name), ['envoy.filters.http.wasm', 'envoy.filters.http.router'], variant);
    const configuration = await validate(checkWasm(filters[0]!.typed_config, `envoy-${variant}.yaml`), variant);
    assert.equal(configuration.collector.token, 'envoy-bench-test-token', 'the filter sends the collector\'s ingest token');
    // The module Envoy loads is mounted from the file the build makes.
    const module = filters[0]!.typed_config.config.vm_config.code.local.filename;
    assert.deepEqual(mounts('envoy', variant).find((m) => m.container.startsWith(module))?.host, join(ROOT, chosen.built), `${variant}: ${module} is mounted from ${chosen.built}`);
    const clusters = (bootstrap.static_resources.clusters as Y[]).map((c) => c.name);
    assert.ok(clusters.includes(configuration.collector.cluster), 'the collector cluster exists');
  }
  const bootstrap = envoyConfig('redtail', { token: 'envoy-bench-test-token' });
  for (const cluster of bootstrap.static_resources.clusters as Y[]) {
    const { address, port_value: port } = cluster.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address;
    assert.equal(cluster.type, 'STRICT_DNS', `${cluster.name}: a service name is resolved`);
    assert.ok(services[address], `${cluster.name}: ${address} is a compose service`);
    assert.deepEqual(SERVICES[cluster.name], { address, port });
  }
  assert.match(services.upstream.command.join(' '), new RegExp(`-http-port ${SERVICES.app!.port}\\b`), 'the upstream listens where the app cluster points');
  const serve = services.collector.command as string[];
  assert.equal(serve[serve.indexOf('--port') + 1], String(SERVICES['redtail-collector']!.port), 'the collector listens where its cluster points');
  const accepted = spawnSync(process.execPath, [join(ROOT, 'bin/redtail.js'), ...serve, '--help'], { encoding: 'utf8' });
  assert.equal(accepted.status, 0, `redtail ${serve.join(' ')}: ${accepted.stderr}`);
});

test('run.sh is valid bash and runs the variants configs.ts writes', () => {
  const script = join(HERE, 'run.sh');
  const check = spawnSync('bash', ['-n', script], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stderr);
  const text = readFileSync(script, 'utf8');
  assert.equal(/^VARIANTS=\((.*)\)$/m.exec(text)![1], variants.join(' '));
  for (const js of ['dist/benches/envoy/configs.js', 'dist/benches/envoy/table.js']) {
    assert.ok(text.includes(js) && existsSync(join(ROOT, js)), `run.sh runs ${js}`);
  }
});

test('the table: medians over rounds, CPU per request from Envoy\'s CPU time, the difference from the no-op guest round by round', () => {
  const dir = mkdtempSync(join(tmpdir(), 'redtail-envoy-'));
  const cpu: Record<Variant, number[]> = { none: [100_000, 110_000], noop: [200_000, 220_000], redtail: [260_000, 300_000] };
  for (const variant of variants) {
    for (const round of [1, 2]) {
      writeFileSync(join(dir, `fortio-${variant}-${round}.json`), JSON.stringify({
        ActualQPS: 2000, RetCodes: { 200: 10_000 },
        DurationHistogram: { Count: 10_000, Percentiles: [{ Percentile: 50, Value: 0.0005 }, { Percentile: 90, Value: 0.001 }, { Percentile: 99, Value: 0.002 }, { Percentile: 99.9, Value: 0.004 }] },
      }));
      writeFileSync(join(dir, `cost-${variant}-${round}.json`), JSON.stringify({ variant, round, cpu_usec: cpu[variant][round - 1], rss_kib: 40_960, hwm_kib: 51_200 }));
    }
  }
  const runs = readRuns(dir);
  assert.equal(runs.length, 6);
  const table = formatEnvoyTable(runs).split('\n');
  const row = (v: string) => table.find((l) => l.startsWith(`${v} `))!.trim().split(/\s{2,}/);
  // redtail: 26 and 30 µs a request; 6 and 8 more than the no-op guest's 20 and 22; 50 MiB peak.
  assert.deepEqual(row('redtail'), ['redtail', '2000 (2000..2000)', '0.50 (0.50..0.50)', '1.00 (1.00..1.00)', '2.00 (2.00..2.00)', '4.00 (4.00..4.00)', '28.0 (26.0..30.0)', '7.0 (6.0..8.0)', '50 (50..50)', '0']);
  assert.equal(row('none')[7], '-10.5 (-11.0..-10.0)', 'none: 10 and 11 µs, the no-op guest 20 and 22');
  rmSync(dir, { recursive: true, force: true });
});
