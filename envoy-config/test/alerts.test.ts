// The alert rules read only metrics the code serves: the collector and the relay run with their
// manifests' arguments and are scraped after a batch went through both; the filter's rules are
// checked against the metrics the real filter defines in the host.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { exited, spawnRedtail, tempDir } from '../../collector/test/helpers.js';
import { join } from 'node:path';
import { test } from 'node:test';
import { GET, startFilter } from '../../filter/test/harness.js';
import { load, type Y } from './envoy-api.js';
import { container, DIR, environment, INGEST_TOKEN, run } from './workloads.js';

const [RULE] = load(join(DIR, 'monitoring/prometheus-rule.yaml'));
const [PLAIN] = load(join(DIR, 'monitoring/alerts.rules.yaml'));
const RULE_FIELDS = ['alert', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations'];

/** The series of a Prometheus text exposition: name → the label sets it has. */
function series(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s/.exec(line);
    if (!m) continue;
    // A histogram's series are named after it plus _bucket, _sum, _count.
    const base = m[1]!.replace(/_(bucket|sum|count)$/, '');
    const name = base !== m[1] && text.includes(`# TYPE ${base} histogram`) ? base : m[1]!;
    out.set(name, [...(out.get(name) ?? []), m[2] ?? '']);
  }
  return out;
}

/** Each metric an expression reads, with the label matchers it puts on it. */
function selectors(expr: string): { name: string; labels: [string, string][] }[] {
  const found: { name: string; labels: [string, string][] }[] = [];
  for (const m of expr.matchAll(/\b(redtail_[\w:]*)(\{([^}]*)\})?/g)) {
    const labels = [...(m[3] ?? '').matchAll(/(\w+)\s*=\s*"([^"]*)"/g)].map((l) => [l[1]!, l[2]!] as [string, string]);
    found.push({ name: m[1]!, labels });
  }
  return found;
}

function check(group: Y, served: Map<string, string[]>): void {
  for (const rule of group.rules as Y[]) {
    for (const k of Object.keys(rule)) assert.ok(RULE_FIELDS.includes(k), `${rule.alert}: a rule has no field "${k}"`);
    assert.match(rule.alert, /^Redtail[A-Z]\w+$/);
    assert.ok(['critical', 'warning', 'info'].includes(rule.labels.severity), `${rule.alert}: a severity`);
    assert.ok(rule.annotations.summary, `${rule.alert}: a summary`);
    const used = selectors(rule.expr);
    assert.ok(used.length > 0, `${rule.alert} reads a redtail metric`);
    for (const { name, labels } of used) {
      assert.ok(served.has(name), `${rule.alert}: ${name} is served (${[...served.keys()].join(', ')})`);
      for (const [k, v] of labels) assert.ok(served.get(name)!.some((s) => s.includes(`${k}="${v}"`)), `${rule.alert}: ${name} has a series with ${k}="${v}"`);
    }
  }
}

test('the PrometheusRule and the plain rules file hold the same rules', () => {
  assert.equal(RULE!.apiVersion, 'monitoring.coreos.com/v1');
  assert.equal(RULE!.kind, 'PrometheusRule');
  assert.deepEqual(Object.keys(RULE!.spec), ['groups']);
  assert.deepEqual(PLAIN!.groups, RULE!.spec.groups);
  assert.deepEqual(RULE!.spec.groups.map((g: Y) => g.name), ['redtail-collector', 'redtail-relay', 'redtail-filter', 'redtail-export']);
});

test('every metric the collector and relay alerts read is in their /metrics, run from the manifests', async () => {
  const collector = await run(container('collector.yaml', 'StatefulSet'));
  const relayContainer = container('relay.yaml', 'DaemonSet');
  const relay = await run(relayContainer, { '--upstream': `${collector.url.replace(/^http/, 'ws')}/v1/stream` }).catch(async (err: Error) => {
    await collector.stop();
    throw err;
  });
  try {
    // One batch through the relay to the collector: the per-source series exist once a source is heard.
    const line = JSON.stringify({ start_time: new Date().toISOString(), method: 'GET', path: '/', response_code: 200, workload: 'shop' });
    const res = await fetch(`${relay.url}/v1/ingest`, { method: 'POST', body: `${line}\n`,
      headers: { 'content-type': 'application/x-ndjson', 'x-redtail-batch': 'shop-1/1', authorization: `Bearer ${INGEST_TOKEN}` } });
    assert.equal(res.status, 200, await res.text());
    let served = new Map<string, string[]>();
    for (let i = 0; i < 200 && !served.has('redtail_source_silent'); i++) {
      await new Promise((r) => setTimeout(r, 25));
      served = series(await (await fetch(`${collector.url}/metrics`)).text());
    }
    for (const [k, v] of series(await (await fetch(`${relay.url}/metrics`)).text())) served.set(k, v);
    const [collectorGroup, relayGroup] = RULE!.spec.groups as Y[];
    check(collectorGroup!, served);
    check(relayGroup!, served);
  } finally {
    await relay.stop();
    await collector.stop();
  }
  // The spool threshold is a share of the limit the DaemonSet sets.
  const spoolRule = (RULE!.spec.groups[1].rules as Y[]).find((r) => r.alert === 'RedtailRelaySpoolFilling')!;
  assert.equal(spoolRule.expr, `redtail_relay_spool_bytes > 0.8 * ${environment(relayContainer).REDTAIL_SPOOL_MAX_BYTES}`);
});

test("Prometheus finds the collector's and the relay's /metrics from their pods' annotations", () => {
  for (const [file, kind] of [['collector.yaml', 'StatefulSet'], ['relay.yaml', 'DaemonSet']] as const) {
    const pod = load(join(DIR, 'k8s', file)).find((d) => d.kind === kind)!.spec.template;
    const a = pod.metadata.annotations as Y;
    assert.equal(a['prometheus.io/scrape'], 'true');
    assert.equal(a['prometheus.io/path'], '/metrics');
    assert.ok((pod.spec.containers[0].ports as Y[]).some((p) => String(p.containerPort) === a['prometheus.io/port']), `${file}: the port is the container's`);
  }
});

test('every metric the filter alerts read is one the filter defines', async () => {
  const f = await startFilter();
  await f.send({ headers: { ...GET, 'x-request-id': 'm1' } });
  await f.records(1);
  const served = series(f.host.metrics.prometheus());
  await f.stop();
  check(RULE!.spec.groups[2], served);
});

test('a collector or relay that is down or not scraped alerts: absent() of a metric it always serves, and up == 0 for a target that served it', () => {
  const [collectorGroup, relayGroup] = RULE!.spec.groups as Y[];
  for (const [group, metric] of [[collectorGroup!, 'redtail_shards_unopenable'], [relayGroup!, 'redtail_relay_upstream_connected']] as const) {
    const exprs = (group.rules as Y[]).map((r) => r.expr as string);
    assert.ok(exprs.includes(`absent(${metric})`), `${group.name}: absent(${metric})`);
    assert.ok(exprs.includes(`up == 0 and on(instance) max_over_time(${metric}[1d])`), `${group.name}: up == 0 for its targets`);
  }
});

// Envoy's CustomStatNamespace: a module's metrics are named "wasmcustom.<name>" inside Envoy, where
// the stats matcher sees them; /stats/prometheus prints them without it.
const ENVOY_NAME_OF = (name: string) => `wasmcustom.${name}`;

test("the proxyStatsMatcher docs/deploying.md gives keeps every metric the filter's alerts read", () => {
  const doc = readFileSync(new URL('../../../docs/deploying.md', import.meta.url), 'utf8');
  const m = /proxyStatsMatcher: \{inclusionPrefixes: \[([^\]]+)\]\}/.exec(doc);
  assert.ok(m, 'docs/deploying.md gives a proxyStatsMatcher');
  const prefixes = m[1]!.split(',').map((p) => p.trim());
  for (const rule of RULE!.spec.groups[2].rules as Y[]) {
    for (const { name } of selectors(rule.expr)) {
      assert.ok(prefixes.some((p) => ENVOY_NAME_OF(name).startsWith(p)), `${rule.alert}: ${ENVOY_NAME_OF(name)} is kept by ${prefixes.join(', ')}`);
    }
  }
});

test('every metric the export alerts read is in the /metrics of a collector with an exporter', async () => {
  const tmp = tempDir();
  const file = join(tmp.dir, 'config.json');
  // An exporter to a port nothing listens on: its series exist from the start, as they do for any exporter.
  writeFileSync(file, JSON.stringify({ exporters: [{ name: 'otel', type: 'otlp', encoding: 'json', endpoint: 'http://127.0.0.1:9' }] }));
  const c = await spawnRedtail(['serve', '--port', '0', '--data', join(tmp.dir, 'data'), '--config', file]);
  try {
    check(RULE!.spec.groups[3], series(await (await fetch(`${c.url}/metrics`)).text()));
  } finally {
    c.child.kill('SIGKILL');
    await exited(c.child);
    tmp.remove();
  }
});
