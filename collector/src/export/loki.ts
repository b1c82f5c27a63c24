// The Loki push format (POST /loki/api/v1/push): records grouped into streams by their labels
// (loki-streams.ts), written as JSON or as snappy-compressed protobuf.
import type { Encoder, Payload, StoredRecord } from './encoder.js';
import { checkLokiOptions, type LokiOptions } from './loki-labels.js';
import { lokiJson } from './loki-json.js';
import { lokiProtobuf } from './loki-protobuf.js';
import { compressSync } from 'snappy';
import { streamsOf } from './loki-streams.js';

export { checkLokiOptions, type LokiOptions } from './loki-labels.js';

export const LOKI_PUSH_PATH = '/loki/api/v1/push';

/** Throws a ConfigError naming the option when the options are wrong (see checkLokiOptions). */
export function lokiEncoder(options: LokiOptions): Encoder {
  const checked = checkLokiOptions(options);
  return {
    encode(records: StoredRecord[]): Payload {
      const streams = streamsOf(records, checked);
      if (checked.encoding === 'json') return { path: LOKI_PUSH_PATH, headers: { 'content-type': 'application/json' }, body: lokiJson(streams) };
      // Snappy's block format, which Loki reads whatever content-encoding says.
      const plain = lokiProtobuf(streams);
      return { path: LOKI_PUSH_PATH, headers: { 'content-type': 'application/x-protobuf' }, body: compressSync(plain), plain: plain.length };
    },
  };
}
