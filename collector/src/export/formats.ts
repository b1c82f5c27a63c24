// The receivers' formats an exporter can speak, by the config's "type": the options each takes
// (passed to its encoder as given), how its encoder is made, and the request headers its options
// make. Each refuses options it cannot use with a ConfigError naming the field under `field`
// (`exporters[1].encoding`).
import { fail } from '../config-error.js';
import type { Encoder } from './encoder.js';
import { checkLokiOptions, LOKI_PUSH_PATH, lokiEncoder } from './loki.js';
import { ndjsonEncoder } from './ndjson.js';
import { checkOtlpOptions, OTLP_LOGS_PATH, otlpEncoder } from './otlp.js';

export interface Format {
  /** What the exporter appends to the endpoint (the encoder's payloads carry it). */
  path: string;
  /** The type-specific fields of an exporter's config. */
  options: string[];
  encoder(options: Record<string, unknown>, field: string): Encoder;
  /** Headers every request carries, from the options. */
  headers?(options: Record<string, unknown>, field: string): Record<string, string>;
  /** Which option each of those headers comes from, to name it when the config gives the header too. */
  headerOptions?: Record<string, string>;
}

/** A Loki tenant id as Loki takes it (X-Scope-OrgID). */
const TENANT = /^[A-Za-z0-9!\-_.*'()]{1,150}$/;

export const FORMATS: Record<string, Format> = {
  otlp: {
    path: OTLP_LOGS_PATH,
    options: ['encoding', 'compression'],
    encoder: (options, field) => otlpEncoder(checkOtlpOptions(options, { field })),
  },
  loki: {
    path: LOKI_PUSH_PATH,
    options: ['encoding', 'labels', 'metadata', 'tenant'],
    encoder: ({ tenant: _, ...options }, field) => lokiEncoder(checkLokiOptions(options, { field })),
    headers: ({ tenant }, field): Record<string, string> => {
      if (tenant === undefined) return {};
      if (typeof tenant !== 'string' || !TENANT.test(tenant) || tenant === '.' || tenant === '..') {
        fail(`${field}.tenant`, 'a Loki tenant id: letters, digits and !-_.*\'(), at most 150', tenant);
      }
      return { 'X-Scope-OrgID': tenant };
    },
    headerOptions: { 'X-Scope-OrgID': 'tenant' },
  },
  ndjson: { path: '', options: [], encoder: () => ndjsonEncoder },
};
