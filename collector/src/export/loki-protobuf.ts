// Loki's protobuf push: a logproto.PushRequest (the field numbers of Loki's pkg/push/push.proto),
// which loki.ts compresses with snappy.
import protobuf from 'protobufjs';
import type { Stream } from './loki-streams.js';

const PUSH_PROTO = `
syntax = "proto3";
package logproto;
import "google/protobuf/timestamp.proto";
message PushRequest { repeated StreamAdapter streams = 1; }
message StreamAdapter { string labels = 1; repeated EntryAdapter entries = 2; uint64 hash = 3; }
message LabelPairAdapter { string name = 1; string value = 2; }
message EntryAdapter {
  google.protobuf.Timestamp timestamp = 1;
  string line = 2;
  repeated LabelPairAdapter structuredMetadata = 3;
}
`;

const root = new protobuf.Root();
root.addJSON(protobuf.common.get('google/protobuf/timestamp.proto')!.nested!);
const PushRequest = protobuf.parse(PUSH_PROTO, root, { keepCase: true }).root.lookupType('logproto.PushRequest');

/** The PushRequest, not yet compressed (loki.ts compresses it). */
export function lokiProtobuf(streams: Stream[]): Buffer {
  const message = {
    streams: streams.map((s) => ({
      labels: s.text,
      entries: s.entries.map((e) => {
        const seconds = Math.floor(e.ms / 1000);
        return {
          timestamp: { seconds, nanos: (e.ms - seconds * 1000) * 1_000_000 },
          line: e.line,
          structuredMetadata: e.metadata.map(([name, value]) => ({ name, value })),
        };
      }),
    })),
  };
  return Buffer.from(PushRequest.encode(message).finish());
}
