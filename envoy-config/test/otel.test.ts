// The OpenTelemetry Collector configurations users run in front of Loki, ClickHouse and
// Elasticsearch: each parses; every section, component and setting is one the Collector's and
// collector-contrib's READMEs document; the pipeline takes OTLP/HTTP on 4318 (where redtail's
// exporter posts /v1/logs) and names only components it defines; no secret is written in them.
// No OpenTelemetry Collector runs here: this checks the files against the documented keys.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { load, type Y } from './envoy-api.js';

const DIR = new URL('../../../envoy-config/otel/', import.meta.url).pathname;

const RETRY = ['enabled', 'initial_interval', 'max_interval', 'max_elapsed_time', 'multiplier', 'randomization_factor'];
const QUEUE = ['enabled', 'num_consumers', 'queue_size', 'sizer', 'block_on_overflow', 'storage', 'batch', 'wait_for_result'];
const QUEUE_BATCH = ['flush_timeout', 'min_size', 'max_size', 'sizer'];
const TLS = ['insecure', 'insecure_skip_verify', 'ca_file', 'cert_file', 'key_file', 'server_name_override', 'min_version', 'max_version'];

/** Each component's documented settings (its README in opentelemetry-collector or -contrib); an object value lists a nested block's. */
interface Settings { [key: string]: true | Settings }
const list = (...keys: string[]): Settings => Object.fromEntries(keys.map((k) => [k, true]));
const HTTP_CLIENT = { ...list('endpoint', 'headers', 'compression', 'timeout', 'read_buffer_size', 'write_buffer_size', 'auth', 'proxy_url'), tls: list(...TLS) };
const DOCUMENTED: Record<string, Record<string, Settings>> = {
  receivers: { otlp: { protocols: { http: { ...list('endpoint', 'max_request_body_size', 'include_metadata', 'cors', 'logs_url_path', 'traces_url_path', 'metrics_url_path'), tls: list(...TLS, 'client_ca_file') }, grpc: list('endpoint') } } },
  processors: {
    batch: list('timeout', 'send_batch_size', 'send_batch_max_size', 'metadata_keys', 'metadata_cardinality_limit'),
    memory_limiter: list('check_interval', 'limit_mib', 'spike_limit_mib', 'limit_percentage', 'spike_limit_percentage'),
  },
  exporters: {
    otlphttp: { ...HTTP_CLIENT, ...list('logs_endpoint', 'encoding'), retry_on_failure: list(...RETRY), sending_queue: { ...list(...QUEUE), batch: list(...QUEUE_BATCH) } },
    clickhouse: {
      ...list('endpoint', 'username', 'password', 'ttl', 'database', 'connection_params', 'create_schema', 'compress', 'async_insert', 'logs_table_name',
        'traces_table_name', 'metrics_tables', 'cluster_name', 'table_engine', 'timeout', 'json'),
      tls: list(...TLS), retry_on_failure: list(...RETRY), sending_queue: { ...list(...QUEUE), batch: list(...QUEUE_BATCH) },
    },
    elasticsearch: {
      ...HTTP_CLIENT, ...list('endpoints', 'cloudid', 'user', 'password', 'api_key', 'logs_index', 'logs_dynamic_index', 'pipeline', 'num_workers',
        'flush', 'retry', 'discover', 'logstash_format', 'batcher', 'sending_queue'),
      mapping: list('mode', 'dedot'),
    },
  },
};
const MAPPING_MODES = ['none', 'ecs', 'otel', 'raw', 'bodymap'];

function unknownKeys(value: Y, settings: Settings, where: string): string[] {
  return Object.entries(value ?? {}).flatMap(([k, v]) => {
    const s = settings[k];
    if (s === undefined) return [`${where}.${k}`];
    return s === true ? [] : unknownKeys(v as Y, s, `${where}.${k}`);
  });
}

const FILES = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();

test('a configuration for each backend the docs name', () => {
  assert.deepEqual(FILES, ['clickhouse.yaml', 'elasticsearch.yaml', 'loki.yaml']);
});

for (const file of FILES) {
  test(`otel/${file}: documented sections, components and settings; OTLP/HTTP on 4318 into a logs pipeline`, () => {
    const docs = load(join(DIR, file));
    assert.equal(docs.length, 1, 'one document');
    const config = docs[0]!;
    for (const k of Object.keys(config)) assert.ok(['receivers', 'processors', 'exporters', 'extensions', 'connectors', 'service'].includes(k), `no section "${k}"`);
    for (const section of ['receivers', 'processors', 'exporters'] as const) {
      for (const [id, settings] of Object.entries((config[section] ?? {}) as Y)) {
        const type = id.split('/', 1)[0]!; // "otlphttp/loki": the type, then a name of one's own
        const documented = DOCUMENTED[section]![type];
        assert.ok(documented, `${section}.${id}: no documented component "${type}"`);
        assert.deepEqual(unknownKeys(settings as Y, documented, `${section}.${id}`), [], 'only documented settings');
      }
    }
    assert.equal(config.receivers.otlp.protocols.http.endpoint, '0.0.0.0:4318', 'OTLP/HTTP on its standard port, on every interface of the pod');
    const pipelines = config.service.pipelines as Y;
    assert.deepEqual(Object.keys(pipelines), ['logs']);
    for (const [section, ids] of Object.entries(pipelines.logs as Record<string, string[]>)) {
      for (const id of ids) assert.ok(id in (config[section] ?? {}), `the pipeline's ${section} "${id}" is defined`);
    }
    assert.deepEqual(pipelines.logs.receivers, ['otlp']);
    assert.equal(pipelines.logs.exporters.length, 1);
  });
}

test('the backends: Loki\'s OTLP endpoint, ClickHouse\'s logs table, an Elasticsearch data stream; secrets from the environment', () => {
  const [loki] = load(join(DIR, 'loki.yaml'));
  assert.match(loki!.exporters['otlphttp/loki'].endpoint, /^https?:\/\/[^/]+\/otlp$/, 'Loki takes OTLP at /otlp (the exporter appends /v1/logs)');
  const [clickhouse] = load(join(DIR, 'clickhouse.yaml'));
  const ch = clickhouse!.exporters.clickhouse;
  assert.match(ch.endpoint, /^(tcp|http|https|clickhouse):\/\//);
  assert.equal(ch.password, '${env:CLICKHOUSE_PASSWORD}');
  assert.ok(!clickhouse!.processors.batch, 'ClickHouse batches in the exporter\'s queue, as its README recommends, not in a batch processor');
  // The queue's sizer counts requests by default: a min_size of thousands would then wait for thousands of requests.
  assert.equal(ch.sending_queue.batch.sizer, 'items', 'the batch\'s sizes count log records');
  const [elastic] = load(join(DIR, 'elasticsearch.yaml'));
  const es = elastic!.exporters.elasticsearch;
  assert.match(es.logs_index, /^logs-[^-]+-[^-]+$/, 'a data stream name: logs-<dataset>-<namespace>');
  assert.ok(MAPPING_MODES.includes(es.mapping.mode));
  assert.equal(es.password, '${env:ELASTICSEARCH_PASSWORD}');
});
