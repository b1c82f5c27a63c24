// The receivers' formats an exporter can speak, by the config's "type": the options each takes
// (passed to its encoder as given) and how its encoder is made. An encoder refuses options it
// cannot use by throwing, which the config reports at start with the exporter's name.
import type { Encoder } from './encoder.js';
import { ndjsonEncoder } from './ndjson.js';

export interface Format {
  /** The type-specific fields of an exporter's config. */
  options: string[];
  encoder(options: Record<string, unknown>): Encoder;
}

export const FORMATS: Record<string, Format> = {
  ndjson: { options: [], encoder: () => ndjsonEncoder },
};
