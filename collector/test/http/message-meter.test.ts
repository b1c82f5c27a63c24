// The message meter against frames as the ws library writes them: fragmented messages, control
// frames between fragments, empty messages and every length encoding, fed whole or a byte at a time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ws from 'ws';
import { MessageMeter } from '../../src/http/message-meter.js';

/** The library's own frame writer (its types leave it out). */
const { Sender } = ws as unknown as { Sender: { frame(data: Buffer, options: object): Buffer[] } };

/** A client's (masked) frame of `data`. */
const frame = (data: Buffer, options: { fin?: boolean; opcode: number }) =>
  Buffer.concat(Sender.frame(data, { fin: options.fin ?? true, opcode: options.opcode, mask: true, readOnly: false, rsv1: false, maskBuffer: Buffer.alloc(4, 7) }));

test('each data message\'s bytes are counted and its end found; control frames count for nothing', () => {
  const sizes = [0, 5, 125, 126, 65535, 65536, 200_000];
  const parts: Buffer[] = [];
  const expected: number[] = [];
  for (const n of sizes) {
    const f = frame(Buffer.alloc(n, 1), { opcode: 2 });
    parts.push(f, frame(Buffer.from('ping'), { opcode: 9 }));
    expected.push(f.length);
  }
  // A text message in three fragments, a pong between two of them.
  const fragments = [frame(Buffer.from('{"batch":'), { fin: false, opcode: 1 }), frame(Buffer.from('"a/1",'), { fin: false, opcode: 0 }), frame(Buffer.from('"records":[]}'), { opcode: 0 })];
  parts.push(fragments[0]!, fragments[1]!, frame(Buffer.alloc(0), { opcode: 10 }), fragments[2]!);
  expected.push(fragments.reduce((n, f) => n + f.length, 0));
  const all = Buffer.concat(parts);
  for (const step of [all.length, 1, 7, 4096]) {
    const meter = new MessageMeter();
    const messages: number[] = [];
    let held = 0;
    for (let i = 0; i < all.length; i += step) {
      meter.feed(all.subarray(i, i + step), { data: (n) => (held += n), end: () => { messages.push(held); held = 0; } });
    }
    assert.deepEqual(messages, expected, `fed ${step} bytes at a time`);
    assert.equal(held, 0);
  }
});
