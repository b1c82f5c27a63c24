// The Loki push format (POST /loki/api/v1/push): records grouped into streams by their labels
// (loki-streams.ts), written as JSON or as snappy-compressed protobuf.
import type { Encoder, Payload, StoredRecord } from './encoder.js';
import { checkLokiOptions, type LokiOptions } from './loki-labels.js';
import { lokiJson } from './loki-json.js';
import { lokiProtobuf } from './loki-protobuf.js';
import { streamsOf } from './loki-streams.js';

export { checkLokiOptions, type LokiOptions } from './loki-labels.js';

export const LOKI_PUSH_PATH = '/loki/api/v1/push';

/** Throws a ConfigError naming the option when the options are wrong (see checkLokiOptions). */
export function lokiEncoder(options: LokiOptions): Encoder {
  const checked = checkLokiOptions(options);
  const [write, contentType] = checked.encoding === 'json' ? [lokiJson, 'application/json'] : [lokiProtobuf, 'application/x-protobuf'];
  return {
    encode(records: StoredRecord[]): Payload {
      return { path: LOKI_PUSH_PATH, headers: { 'content-type': contentType }, body: write(streamsOf(records, checked)) };
    },
  };
}
