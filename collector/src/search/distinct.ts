// The distinct words of a block of text, as the full-text indexes would cut them, each once.
// The indexes only say whether a block holds a word (detail=none), and a block's 256 records
// repeat most of theirs (every key name, the service, the user agent), so handing FTS5 each word
// once makes the same index for a fraction of its work. The cutting runs in build/words.wasm
// (collector/wasm/words.ts), as cutting in JavaScript would cost what it saves (docs/decisions.md).
import { instantiate } from '../wasm.js';

interface Words {
  prepare(len: number): number;
  distinct(len: number): number;
  outputAt(): number;
}

const words = instantiate<Words>('words');

/**
 * The distinct words of UTF-8 text, a space after each: what FTS5 needs to index it. Text
 * larger than the module can hold goes over whole (the same index, for more FTS5 work).
 */
export function distinctWords(text: Uint8Array): string {
  const at = words.prepare(text.length);
  if (at === 0) return Buffer.from(text.buffer, text.byteOffset, text.length).toString('utf8');
  new Uint8Array(words.memory.buffer, at, text.length).set(text);
  const n = words.distinct(text.length);
  return Buffer.from(words.memory.buffer, words.outputAt(), n).toString('utf8');
}
