import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MetricType } from '../src/index.js';
import { metricHelp } from '../src/metric-help.js';
import { MetricIds, MetricStore } from '../src/metrics.js';

test('VMs keep their own ids but share the metric by name, as Envoy\'s stats store does', () => {
  const store = new MetricStore();
  const a = new MetricIds(store);
  const b = new MetricIds(store);
  const idA = a.define(MetricType.Counter, 'redtail_records');
  const idB = b.define(MetricType.Counter, 'redtail_records');
  assert.equal(idA, 4);
  assert.equal(idB, 4);
  a.increment(idA!, 2n);
  b.increment(idB!, 3n);
  assert.equal(store.get('redtail_records')?.value, 5);
  assert.equal(a.get(idA!), 5n);
});

test('Prometheus names are sanitized and carry no envoy_ prefix (the wasmcustom namespace)', () => {
  const store = new MetricStore();
  const ids = new MetricIds(store);
  ids.record(ids.define(MetricType.Gauge, 'redtail.buffer-bytes')!, 42n);
  ids.increment(ids.define(MetricType.Counter, '9lives')!, 1n);
  assert.equal(store.prometheus(), [
    '# HELP _9lives Defined by a proxy-wasm module (proxy_define_metric).', '# TYPE _9lives counter', '_9lives 1',
    `# HELP redtail_buffer_bytes ${metricHelp('redtail_buffer_bytes')}`, '# TYPE redtail_buffer_bytes gauge', 'redtail_buffer_bytes 42', '',
  ].join('\n'));
});

test('the HELP line of the filter\'s metrics, of a redaction rule\'s, and of another module\'s', () => {
  assert.match(metricHelp('redtail_batch_failures'), /^Batch sends that failed/);
  assert.equal(metricHelp('redtail_redactions_email'), 'Values the filter redacted by its rule email.');
  assert.equal(metricHelp('probe_hits'), 'Defined by a proxy-wasm module (proxy_define_metric).');
});

test('a gauge never goes below zero (Envoy gauges are unsigned)', () => {
  const ids = new MetricIds(new MetricStore());
  const g = ids.define(MetricType.Gauge, 'g')!;
  ids.increment(g, -5n);
  assert.equal(ids.get(g), 0n);
});
