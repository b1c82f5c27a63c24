import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MetricType } from '../src/index.js';
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
  assert.equal(store.prometheus(), '# TYPE _9lives counter\n_9lives 1\n# TYPE redtail_buffer_bytes gauge\nredtail_buffer_bytes 42\n');
});

test('a gauge never goes below zero (Envoy gauges are unsigned)', () => {
  const ids = new MetricIds(new MetricStore());
  const g = ids.define(MetricType.Gauge, 'g')!;
  ids.increment(g, -5n);
  assert.equal(ids.get(g), 0n);
});
