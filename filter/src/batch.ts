// The open batch's buffer. Every batch is built in a block the size of the batch limit, its
// first bytes kept for a gap notice, so a block a sent or dropped batch gives back is the one
// the next batch opens in, and the heap holds no more of them than the buffer's limit allows. A
// record that does not fit in what is left of a block is moved to a new block as it is written:
// the records before it are a full batch, and no block grows past the limit to take one more.
import { ByteWriter } from "./bytes";

/**
 * Room kept at the front of every block for the gap notice a batch may be sealed with, written
 * just before the batch's first record: the longest notice (a 20-digit count, two times, both reasons, a
 * source name of at most 77 bytes) is shorter.
 */
export const GAP_ROOM: u32 = 256;

/** Blocks of one size, and one kept from a batch that is gone for the next batch to open in. */
export class Blocks {
  private spare: usize = 0;

  constructor(public size: u32) {}

  take(): usize {
    const spare = this.spare;
    if (spare == 0) return heap.alloc(this.size);
    this.spare = 0;
    return spare;
  }

  /** A block no batch needs any more: kept if it is of the size and none is kept, else freed. */
  give(block: usize, cap: u32): void {
    if (this.spare == 0 && cap == this.size) this.spare = block;
    else heap.free(block);
  }

  /** A new batch limit: blocks of the old size are freed as they come back. */
  resize(size: u32): void {
    if (size == this.size) return;
    if (this.spare != 0) heap.free(this.spare);
    this.spare = 0;
    this.size = size;
  }
}

/** The open batch: records are written at its end, each from `recordStart`. */
export class BatchWriter extends ByteWriter {
  /** Where the record being written starts. */
  recordStart: u32 = GAP_ROOM;
  /** The block the record being written did not fit in, and where its last record ends (0: none). */
  full: usize = 0;
  fullCap: u32 = 0;
  fullEnd: u32 = 0;

  constructor(private blocks: Blocks) {
    super(blocks.size);
    this.len = GAP_ROOM;
  }

  /** Start over in a new block (the old one went with its batch). */
  reopen(): void {
    this.ptr = this.blocks.take();
    this.cap = this.blocks.size;
    this.len = GAP_ROOM;
  }

  /** The block a record did not fit in has been taken (sealed as a batch). */
  tookFull(): void {
    this.full = 0;
  }

  protected grow(n: u32): void {
    if (this.recordStart > GAP_ROOM && this.full == 0) {
      // Records before this one: they stay in this block, a full batch; the record moves on.
      const part = this.len - this.recordStart;
      const block = this.blocks.take();
      memory.copy(block + GAP_ROOM, this.ptr + this.recordStart, part);
      this.full = this.ptr;
      this.fullCap = this.cap;
      this.fullEnd = this.recordStart;
      this.ptr = block;
      this.cap = this.blocks.size;
      this.len = GAP_ROOM + part;
      this.recordStart = GAP_ROOM;
      if (this.len + n <= this.cap) return;
    }
    // A record larger than a block alone: its batch is as large as it is.
    super.grow(n);
  }
}
