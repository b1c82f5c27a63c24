// For a block id, the latest record time in that block and every block before it: a query
// reading candidate blocks newest id first stops when no block left can hold a record it would
// keep. A shard holds millions of blocks a day, so this is not kept a block each: it is kept for
// groups of ids (the latest time up to each group's last block known), at most `entries` groups,
// the groups widening as blocks are added; inside a group the blocks' times are read from the
// shard when a query asks, one group at a time, so the answer stays exact.

/** Groups kept a shard: 64 KiB. */
export const NEWEST_ENTRIES = 8192;

/** The latest record times of blocks from+1..to, in id order (from the shard's ranges). */
export type LoadEnds = (from: number, to: number) => number[];

export class NewestUpTo {
  /** Entry g: the latest record time of blocks 1..(the last known id of group g); ids g*step..(g+1)*step-1. */
  private upTo: Float64Array;
  private step = 1;
  private running = -Infinity;
  /** Blocks 1..known are counted. */
  known = 0;

  constructor(private readonly entries = NEWEST_ENTRIES) {
    this.upTo = new Float64Array(Math.min(16, entries)).fill(-Infinity);
  }

  /** The next blocks' latest record times, in id order (known+1, known+2, …). */
  add(ends: number[]): void {
    for (const end of ends) {
      const id = ++this.known;
      if (end > this.running) this.running = end;
      while (Math.floor(id / this.step) >= this.entries) this.widen();
      const g = Math.floor(id / this.step);
      if (g >= this.upTo.length) {
        const grown = new Float64Array(Math.min(this.entries, this.upTo.length * 2)).fill(-Infinity);
        grown.set(this.upTo);
        this.upTo = grown;
      }
      this.upTo[g] = this.running;
    }
  }

  /** Bytes held. */
  bytes(): number {
    return this.upTo.byteLength;
  }

  /**
   * A function of a block id, for one query: the latest record time of that block and all before
   * it (Infinity past the last known). A group's times are loaded once per query, when asked;
   * should they not add up (a gap in the ids), the group's bound is given, which is never lower.
   */
  reader(load: LoadEnds): (id: number) => number {
    const { upTo, step, known } = this;
    let group = -1;
    let lo = 0;
    let prefix: Float64Array | undefined;
    return (id) => {
      if (id > known) return Infinity;
      const g = Math.floor(id / step);
      if (step === 1) return upTo[g]!;
      if (g !== group) {
        group = g;
        lo = Math.max(1, g * step);
        const hi = Math.min((g + 1) * step - 1, known);
        const ends = load(lo - 1, hi);
        prefix = undefined;
        if (ends.length === hi - lo + 1) {
          prefix = new Float64Array(ends.length);
          let running = g > 0 ? upTo[g - 1]! : -Infinity;
          for (let k = 0; k < ends.length; k++) prefix[k] = running = Math.max(running, ends[k]!);
        }
      }
      return prefix === undefined || id < lo ? upTo[g]! : prefix[id - lo]!;
    };
  }

  // Two groups become one: the later one's latest time is both's (the latest time up to an id only
  // grows). A new array: a reader handed out before keeps the one it was made with.
  private widen(): void {
    const used = Math.min(this.upTo.length, Math.floor((this.known - 1) / this.step) + 1);
    const wider = new Float64Array(this.upTo.length).fill(-Infinity);
    for (let g = 0; 2 * g < used; g++) wider[g] = this.upTo[Math.min(2 * g + 1, used - 1)]!;
    this.upTo = wider;
    this.step *= 2;
  }
}
