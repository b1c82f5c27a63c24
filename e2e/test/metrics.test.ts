// The metrics of every part, as Prometheus scrapes them: the collector's /metrics, the relay's,
// and `redtail proxy`'s admin /stats/prometheus, each after some traffic so that labelled and
// per-identity metrics have samples. Every sample belongs to a metric with one HELP and one TYPE
// line (text format 0.0.4), and a metric's lines are not split up.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { collector as startTestCollector, ndjson, post, record, tempDir, until } from '../../collector/test/helpers.js';
import { RELAY_DEFAULTS } from '../../relay/src/config.js';
import { startRelay } from '../../relay/src/relay.js';
import { spawnUntil, stopped } from './spawn.js';

const ROOT = new URL('../../../', import.meta.url).pathname;
const demo = await import(new URL('scripts/demo.js', `file://${ROOT}`).href) as { echoServer(): import('node:http').Server };

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const TYPES = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];

/** What is wrong with `text` as an exposition where every metric has its HELP and TYPE, once: nothing when it is right. */
export function expositionProblems(text: string): string[] {
  const problems: string[] = [];
  const help = new Map<string, number>();
  const type = new Map<string, string>();
  const typeLines = new Map<string, number>();
  const done = new Set<string>();
  let current = '';
  const enter = (family: string) => {
    if (family === current) return;
    if (done.has(family)) problems.push(`${family}: its lines are split up`);
    if (current) done.add(current);
    current = family;
  };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = new RegExp(`^# (HELP|TYPE) (${NAME}) (.*)$`).exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      enter(name);
      if (kind === 'HELP') {
        help.set(name, (help.get(name) ?? 0) + 1);
        if (rest.trim() === '') problems.push(`${name}: an empty HELP`);
      } else {
        typeLines.set(name, (typeLines.get(name) ?? 0) + 1);
        type.set(name, rest);
        if (!TYPES.includes(rest)) problems.push(`${name}: TYPE ${rest}`);
      }
      continue;
    }
    if (line.startsWith('#')) continue;
    const sample = new RegExp(`^(${NAME})(\\{[^}]*\\})? (\\S+)( \\d+)?$`).exec(line);
    if (!sample) {
      problems.push(`not a sample: ${line}`);
      continue;
    }
    const name = sample[1]!;
    const base = name.replace(/_(bucket|sum|count)$/, '');
    const family = type.has(name) ? name : ['histogram', 'summary'].includes(type.get(base) ?? '') ? base : name;
    enter(family);
    if (!help.has(family)) problems.push(`${name}: no HELP`);
    if (!type.has(family)) problems.push(`${name}: no TYPE`);
    if (Number.isNaN(Number(sample[3]!.replace(/^\+?Inf$/, 'Infinity').replace(/^-Inf$/, '-Infinity')))) problems.push(`${name}: value ${sample[3]}`);
  }
  for (const [name, n] of help) if (n > 1) problems.push(`${name}: ${n} HELP lines`);
  for (const [name, n] of typeLines) if (n > 1) problems.push(`${name}: ${n} TYPE lines`);
  return problems;
}

test('the checker finds a sample without HELP or TYPE, a metric defined twice, and one split up', () => {
  assert.deepEqual(expositionProblems('# HELP a A.\n# TYPE a counter\na 1\n'), []);
  assert.deepEqual(expositionProblems('# TYPE a counter\na 1\n'), ['a: no HELP']);
  assert.deepEqual(expositionProblems('# HELP a A.\na 1\n'), ['a: no TYPE']);
  assert.deepEqual(expositionProblems('# HELP a A.\n# TYPE a counter\na 1\n# HELP b B.\n# TYPE b gauge\nb 1\n# HELP a A.\n# TYPE a counter\n'),
    ['a: its lines are split up', 'a: 2 HELP lines', 'a: 2 TYPE lines']);
  assert.deepEqual(expositionProblems('# HELP h H.\n# TYPE h histogram\nh_bucket{le="+Inf"} 1\nh_sum 2\nh_count 1\n'), []);
});

test('every metric of the collector, the relay and redtail proxy has one HELP and one TYPE line', async (t) => {
  const collector = await startTestCollector();
  const echo = demo.echoServer();
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  const work = tempDir();
  t.after(async () => {
    echo.close();
    await collector.stop();
    work.remove();
  });
  const stored = await post(collector.url, ndjson([record()]), { 'x-redtail-batch': 'metrics-test/1' });
  assert.equal(stored.status, 200);

  const relay = await startRelay({ ...structuredClone(RELAY_DEFAULTS), port: 0, upstream: `${collector.url.replace('http', 'ws')}/v1/stream`, spool: join(work.dir, 'spool') }, () => {});
  t.after(() => relay.close());
  assert.equal((await post(relay.url, ndjson([record()]), { 'x-redtail-batch': 'metrics-test/2' })).status, 200);

  const proxy = await spawnUntil([join(ROOT, 'bin/redtail.js'), 'proxy', '--listen', '0', '--admin', '0', '--upstream', `http://127.0.0.1:${(echo.address() as AddressInfo).port}`,
    '--cluster', `redtail-collector=${collector.url}`], /listening on (http:\/\/[\d.:]+).*admin (http:\/\/[\d.:]+)/, { stream: 'stderr' });
  t.after(() => stopped(proxy.child));
  const [, proxyUrl, adminUrl] = proxy.match as unknown as [string, string, string];
  assert.equal((await fetch(`${proxyUrl}/checkout?token=abc`)).status, 200);
  // The filter hands its counts to the proxy on the tick.
  await until(async () => (await (await fetch(`${adminUrl}/stats/prometheus`)).text()).includes('redtail_records_captured 1'), 'the request counted', { timeoutMs: 10_000 });

  for (const [part, url] of [['collector', `${collector.url}/metrics`], ['relay', `${relay.url}/metrics`], ['redtail proxy', `${adminUrl}/stats/prometheus`]]) {
    const res = await fetch(url!);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/, part);
    const text = await res.text();
    assert.ok(text.split('\n').some((l) => l !== '' && !l.startsWith('#')), `${part} has samples`);
    assert.deepEqual(expositionProblems(text), [], `${part}:\n${text}`);
  }
});
