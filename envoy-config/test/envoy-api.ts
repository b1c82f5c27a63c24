// The Envoy API as the configs' tests check it: the type URLs and field names of the messages
// redtail's configs use, and the filter's own validation of the configuration they carry.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { Host } from '../../host/src/index.js';

const FILTER = new URL('../../../build/filter.wasm', import.meta.url).pathname;

export const TYPES = {
  wasm: 'type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm',
  string: 'type.googleapis.com/google.protobuf.StringValue',
  hcm: 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  router: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
};
// Fields of envoy.extensions.wasm.v3.PluginConfig and VmConfig: a typo here is a config Envoy rejects.
const PLUGIN_FIELDS = ['name', 'root_id', 'vm_config', 'configuration', 'fail_open', 'failure_policy', 'capability_restriction_config'];
const VM_FIELDS = ['vm_id', 'runtime', 'code', 'configuration', 'allow_precompiled', 'nack_on_code_cache_miss', 'environment_variables'];

export type Y = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function load(file: string): Y[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  for (const d of docs) assert.deepEqual(d.errors, [], `${file} parses`);
  return docs.map((d) => d.toJS() as Y);
}

/** The filter's configuration must be one the filter itself accepts, with the environment its VM gets. */
export async function validate(configuration: string, where: string, env: Record<string, string> = {}): Promise<Y> {
  const host = new Host({ onLog: () => {}, clusters: {}, vmEnvironment: env });
  const plugin = host.startPlugin(await host.load(FILTER), { configuration }); // throws with the filter's message when refused
  await plugin.close(10);
  assert.ok(plugin, where);
  return JSON.parse(configuration) as Y;
}

export function checkWasm(typed: Y, where: string): string {
  assert.equal(typed['@type'], TYPES.wasm, `${where}: the Wasm filter's type URL`);
  const config = typed.config as Y;
  for (const k of Object.keys(config)) assert.ok(PLUGIN_FIELDS.includes(k), `${where}: PluginConfig has no field "${k}"`);
  for (const k of Object.keys(config.vm_config as Y)) assert.ok(VM_FIELDS.includes(k), `${where}: VmConfig has no field "${k}"`);
  assert.equal(config.vm_config.runtime, 'envoy.wasm.runtime.v8');
  assert.ok(config.vm_config.code.local?.filename || config.vm_config.code.remote?.http_uri, `${where}: code from a file or a URL`);
  assert.equal(config.configuration['@type'], TYPES.string, `${where}: configuration is a StringValue`);
  return config.configuration.value as string;
}
