// A block's records once decompressed, kept as bytes, and decoded into strings one record at a
// time, when read. A query that looks for text (free text, or a field's quoted value) asks the
// bytes where it occurs (one search over the whole block) and decodes only those records, as
// decoding whole blocks and checking every record would dominate such a query. Byte and string search agree, as records are valid UTF-8. The bytes are searched by
// build/find.wasm (collector/wasm/find.ts).

import { instantiate } from '../wasm.js';

interface Finder {
  prepare(len: number, n: number): number;
  needleAt(): number;
  find(len: number, n: number, from: number): number;
}

const finder = instantiate<Finder>('find');

export class Unpacked {
  /** Where each record starts, and one past the end (so record i is starts[i] .. starts[i+1] - 1). */
  private starts: number[] = [0];
  private readonly decoded: (string | undefined)[];

  /** A block's bytes, a record a line; given how many records it holds, lines that do not add up are mended. */
  constructor(private readonly bytes: Buffer, count?: number) {
    for (let at = bytes.indexOf(10); at >= 0; at = bytes.indexOf(10, at + 1)) this.starts.push(at + 1);
    this.starts.push(bytes.length + 1);
    if (count !== undefined && this.starts.length - 1 !== count) this.mend(count);
    this.decoded = new Array<string | undefined>(this.starts.length - 1);
  }

  /**
   * Collectors before this one stored a record that came with line breaks between its tokens as
   * several lines. Such a record is whole again when its lines are read together: lines are
   * joined until they parse (no line of a record that is an object parses on its own but the
   * last). Kept only when that gives the block's count of records.
   */
  private mend(count: number): void {
    const starts = [0];
    let from = 0;
    const lines = this.starts.length - 1;
    for (let k = 0; k < lines; k++) {
      try {
        JSON.parse(this.bytes.toString('utf8', this.starts[from], this.starts[k + 1]! - 1));
      } catch {
        continue;
      }
      starts.push(this.starts[k + 1]!);
      from = k + 1;
    }
    if (from === lines && starts.length - 1 === count) this.starts = starts;
  }

  /** The block's bytes, decompressed. */
  get size(): number {
    return this.bytes.length;
  }

  /** How many records the block's bytes hold. */
  get count(): number {
    return this.starts.length - 1;
  }

  /** Record i's JSON; throws when the block's bytes hold no record i. */
  line(i: number): string {
    if (!(i >= 0 && i < this.starts.length - 1)) throw new Error(`the block's bytes hold ${this.starts.length - 1} records, not a record ${i}`);
    return (this.decoded[i] ??= this.bytes.toString('utf8', this.starts[i], this.starts[i + 1]! - 1));
  }

  /** The records whose bytes hold `needle` (UTF-8), in order. */
  holding(needle: Buffer): number[] {
    const bytes = this.bytes;
    const at0 = finder.prepare(bytes.length, needle.length);
    if (at0 === 0) return this.holdingBy((from) => bytes.indexOf(needle, from));
    new Uint8Array(finder.memory.buffer, at0, bytes.length).set(bytes);
    new Uint8Array(finder.memory.buffer, finder.needleAt(), needle.length).set(needle);
    return this.holdingBy((from) => finder.find(bytes.length, needle.length, from));
  }

  /** The records holding a match, from `next(from)`: the first match at or after `from`, or -1. */
  private holdingBy(next: (from: number) => number): number[] {
    const out: number[] = [];
    let record = 0;
    for (let at = next(0); at >= 0; at = next(this.starts[record + 1]!)) {
      while (this.starts[record + 1]! <= at) record++;
      out.push(record);
    }
    return out;
  }
}
