// Loki's JSON push: `{"streams": [{"stream": {labels}, "values": [["<ns>", "<line>", {metadata}]]}]}`,
// the time in nanoseconds as a decimal string; the metadata object (Loki 3's structured metadata)
// only when the entry has some, so a Loki without it still takes the rest.
import type { Stream } from './loki-streams.js';

export function lokiJson(streams: Stream[]): Buffer {
  return Buffer.from(JSON.stringify({
    streams: streams.map((s) => ({
      stream: Object.fromEntries(s.labels),
      values: s.entries.map((e) => {
        const ns = `${BigInt(e.ms) * 1_000_000n}`;
        return e.metadata.length === 0 ? [ns, e.line] : [ns, e.line, Object.fromEntries(e.metadata)];
      }),
    })),
  }));
}
