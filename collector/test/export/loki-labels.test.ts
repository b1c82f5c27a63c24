// Which fields may be Loki labels and metadata: refused at config time, with the option named.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/config-error.js';
import { checkLokiOptions, lokiEncoder } from '../../src/export/loki.js';
import { BOUNDED_LABELS, labelText, valueOf } from '../../src/export/loki-labels.js';
import { FIELD } from '../../src/record/schema.js';
import { record } from '../helpers.js';

const refused = (options: unknown, message: RegExp) =>
  assert.throws(() => checkLokiOptions(options, { field: 'exporters[1]' }), (err: unknown) => err instanceof ConfigError && message.test(err.message));

test('loki labels: defaults are service, namespace and status class, with request, trace and span ids as metadata', () => {
  assert.deepEqual(checkLokiOptions({ encoding: 'json' }), {
    encoding: 'json', labels: ['service', 'namespace', 'status_class'], metadata: ['request_id', 'trace_id', 'span_id'],
  });
  assert.deepEqual(checkLokiOptions({ encoding: 'protobuf', labels: ['workload'], metadata: [] }), { encoding: 'protobuf', labels: ['workload'], metadata: [] });
});

test('loki labels: fields of many values, or that clients choose, are refused as labels with the option named', () => {
  for (const name of ['request_id', 'trace_id', 'span_id', 'path', 'start_time', 'user_agent', 'authority', 'method', 'downstream_remote_address', 'node']) {
    refused({ encoding: 'json', labels: ['service', name] }, new RegExp(`^collector config: "exporters\\[1\\]\\.labels\\[1\\]" must be one of service, .*"metadata".*, got "${name}"$`));
  }
  refused({ encoding: 'json', labels: ['nonsense'] }, /"exporters\[1\]\.labels\[0\]" must be one of/);
  refused({ encoding: 'json', labels: ['service', 'service'] }, /"exporters\[1\]\.labels\[1\]" must be a name not already listed, got "service"/);
  refused({ encoding: 'json', labels: [] }, /"exporters\[1\]\.labels" must be at least one label/);
  refused({ encoding: 'json', labels: 'service' }, /"exporters\[1\]\.labels" must be a list of field names, got "service"/);
});

test('loki labels: metadata must be record fields of one value; the encoding must be json or protobuf', () => {
  refused({ encoding: 'json', metadata: ['request_headers'] }, /"exporters\[1\]\.metadata\[0\]" must be a record field of one value/);
  refused({ encoding: 'json', metadata: ['x-request-id'] }, /"exporters\[1\]\.metadata\[0\]"/);
  refused({ encoding: 'gzip' }, /"exporters\[1\]\.encoding" must be "json" or "protobuf", got "gzip"/);
  refused({}, /"exporters\[1\]\.encoding"/);
  refused(null, /"exporters\[1\]" must be an object/);
  // The factory refuses the same way, for an exporter that did not check first.
  assert.throws(() => lokiEncoder({ encoding: 'json', labels: ['trace_id'] }), (err: unknown) => err instanceof ConfigError && err.message.startsWith('collector config: "loki.labels[0]"'));
});

test('loki labels: every label that may be configured is a valid Loki label name, a field of the record, of values Loki takes whole', () => {
  for (const name of BOUNDED_LABELS) {
    assert.match(name, /^[a-zA-Z_][a-zA-Z0-9_]*$/);
    assert.ok(!name.startsWith('__'), name);
    if (name === 'status_class') continue;
    const field = FIELD.get(name);
    assert.ok(field && ['string', 'status'].includes(field.type), `${name} is a record field of one value`);
    // Loki's max_label_value_length (2048 by default) refuses longer values.
    assert.ok(field.type === 'status' || (field.max !== undefined && field.max <= 2048), `${name} is at most 2048 characters`);
  }
});

test('loki labels: status class from the response code, for the classes the query filter knows', () => {
  const cls = (code: unknown) => valueOf(record({ response_code: code }), 'status_class');
  assert.deepEqual([100, 200, 299, 302, 404, 599, 0, 600, 999, '500'].map(cls), ['1xx', '2xx', '2xx', '3xx', '4xx', '5xx', undefined, undefined, undefined, undefined]);
});

test('loki labels: the label text quotes values as Go string literals', () => {
  assert.equal(labelText([['service', 'a"b'], ['x', '\\\n\t\u0001']]), '{service="a\\"b", x="\\\\\\n\\t\\u0001"}');
});
