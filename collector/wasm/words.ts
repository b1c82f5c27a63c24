// The distinct words of a block's text, for its free-text index (AssemblyScript, built to
// build/words.wasm; used by collector/src/distinct.ts, which says why). Cut as FTS5's unicode61
// tokenizer cuts: ASCII letters and digits make words, other ASCII separates them, and bytes from
// 0x80 up (other scripts) stay inside the run they are in, for FTS5 to cut by its own tables.
// Each word is written once, ASCII lower-cased, a space after it.
//
// The text is lower-cased and classified 16 bytes at a time into bit masks, whose bits give where
// words start and end; words are hashed and compared 8 bytes at a time.

let input: usize = 0;
let output: usize = 0;
// The hash set, 16 bytes a slot: the word's offset + 1 in the output (0: empty), its length, and
// its first 8 bytes (most words are no longer: compared without reading the output).
let slots: usize = 0;
let slotCount: u32 = 0; // room for this many slots
// The set in use: small, so it stays in cache (a block has a thousand-odd distinct words), and
// doubled when half full.
let size: u32 = 0;
let used: u32 = 0;

/** Room for `len` bytes of text; the text's address (0 when memory cannot grow that far). The output goes after it, then the set. */
export function prepare(len: u32): usize {
  const base = (__heap_base + 15) & ~15;
  // The most words `len` bytes can hold is (len + 1) / 2; the set is kept under half full.
  // A usual block is 100-250 KB; past 2 MB (a block of huge records) the caller hands FTS5
  // the whole text, so the memory this takes (16 bytes a slot) stays under about 70 MB.
  if (len > 2 << 20) return 0;
  let count: u32 = 1024;
  while (count < len + 2) count <<= 1;
  const size = <usize>len + 64 + (<usize>len + 32) + <usize>count * 16 + 64;
  const end = base + size;
  const have = <usize>memory.size() << 16;
  if (end > have && memory.grow(<i32>((end - have + 0xffff) >>> 16)) < 0) return 0;
  input = base;
  output = (base + len + 64 + 15) & ~15;
  slots = (output + len + 32 + 15) & ~15;
  slotCount = count;
  return input;
}

export function outputAt(): usize {
  return output;
}

/** The first `n` (1-8) bytes at p as a little-endian word, the rest zero. */
@inline function head(p: usize, n: u32): u64 {
  return n >= 8 ? load<u64>(p) : load<u64>(p) & ((<u64>1 << (<u64>n << 3)) - 1);
}

/** A hash of the word at p (n bytes), whose first 8 bytes (zero-padded) are `first`. */
function hashOf(p: usize, n: u32, first: u64): u32 {
  let h: u64 = (first ^ <u64>n) * 0xff51afd7ed558ccd;
  for (let i: u32 = 8; i < n; i += 8) h = (h ^ head(p + i, n - i)) * 0xc4ceb9fe1a85ec53;
  return <u32>(h >>> 32) ^ <u32>h;
}

/** Whether bytes [8, n) of the words at a and b are the same (their first 8 are). */
function sameRest(a: usize, b: usize, n: u32): bool {
  for (let i: u32 = 8; i < n; i += 8) if (head(a + i, n - i) != head(b + i, n - i)) return false;
  return true;
}

/**
 * The distinct words of the `len` bytes of text at the input, written to the output: the
 * number of output bytes. (The text is lower-cased in place.)
 */
export function distinct(len: u32): u32 {
  const e = input + len;
  // Zeros after the text, for the last 64 bytes' masks and the last word's 8-byte reads.
  memory.fill(e, 0, 64);
  size = slotCount < 4096 ? slotCount : 4096;
  used = 0;
  memory.fill(slots, 0, <usize>size * 16);
  let o = output;
  // Lower-case ASCII letters, 16 bytes at a time (the tail's bytes past the end are zeros).
  const A = i8x16.splat(0x41);
  const letters = i8x16.splat(26);
  const bit = i8x16.splat(0x20);
  for (let p = input; p < e; p += 16) {
    const v = v128.load(p);
    const upper = i8x16.lt_u(i8x16.sub(v, A), letters);
    v128.store(p, v128.or(v, v128.and(upper, bit)));
  }
  // Words from bit masks of 64 bytes at a time: a start where a word byte follows another
  // byte, an end where a separator follows a word byte. Starts and ends alternate, so after a
  // start its end is the lowest end left.
  let open = false; // a word started in an earlier stretch and has not ended
  let start: usize = 0;
  for (let p = input; p < e; p += 64) {
    let word = wordMask(p) | (wordMask(p + 16) << 16) | (wordMask(p + 32) << 32) | (wordMask(p + 48) << 48);
    if (p + 64 > e) word &= (<u64>1 << <u64>(e - p)) - 1; // the zeros after the text end a word there
    const shifted = (word << 1) | <u64>open;
    let starts = word & ~shifted;
    let ends = ~word & shifted;
    open = (word >>> 63) != 0;
    if (shifted & 1 && ends != 0) {
      o = add(start, <u32>(p + <usize>ctz(ends) - start), o);
      ends &= ends - 1;
    }
    while (starts != 0) {
      start = p + <usize>ctz(starts);
      starts &= starts - 1;
      if (ends == 0) break; // it goes on into the next stretch
      o = add(start, <u32>(p + <usize>ctz(ends) - start), o);
      ends &= ends - 1;
    }
  }
  if (open) o = add(start, <u32>(e - start), o);
  return <u32>(o - output);
}

/** Write the word at p (n bytes) to the output at o unless it is there already; the output's new end. */
function add(p: usize, n: u32, o: usize): usize {
  const first = head(p, n);
  const h = hashOf(p, n, first);
  const s = slotFor(p, n, first, h);
  if (load<u32>(s) != 0) return o; // seen
  memory.copy(o, p, n);
  store<u8>(o + n, 0x20);
  store<u32>(s, <u32>(o - output) + 1);
  store<u32>(s, n, 4);
  store<u64>(s, first, 8);
  used++;
  if (used * 2 > size) grow(o + n + 1);
  return o + n + 1;
}

/** The slot (its address) holding the word at p, or the empty slot where it would go. */
function slotFor(p: usize, n: u32, first: u64, h: u32): usize {
  const mask = size - 1;
  let i = h & mask;
  while (true) {
    const s = slots + (<usize>i << 4);
    const at = load<u32>(s);
    if (at == 0 || (load<u32>(s, 4) == n && load<u64>(s, 8) == first && (n <= 8 || sameRest(output + at - 1, p, n)))) return s;
    i = (i + 1) & mask;
  }
}

/** Double the set and put back every word written so far (output up to o). */
function grow(o: usize): void {
  size <<= 1;
  memory.fill(slots, 0, <usize>size * 16);
  let p = output;
  while (p < o) {
    let q = p;
    while (load<u8>(q) != 0x20) q++;
    const n = <u32>(q - p);
    const first = head(p, n);
    const s = slotFor(p, n, first, hashOf(p, n, first));
    store<u32>(s, <u32>(p - output) + 1);
    store<u32>(s, n, 4);
    store<u64>(s, first, 8);
    p = q + 1;
  }
}

// Constants for the masks, loaded from memory: V8 would build each one again at every use.
const CONSTS: usize = memory.data<u8>([
  0xb0, 0xb0, 0xb0, 0xb0, 0xb0, 0xb0, 0xb0, 0xb0, 0xb0, 0xb0, 0xb0, 0xb0, 0xb0, 0xb0, 0xb0, 0xb0, // '0' + 0x80
  0x8a, 0x8a, 0x8a, 0x8a, 0x8a, 0x8a, 0x8a, 0x8a, 0x8a, 0x8a, 0x8a, 0x8a, 0x8a, 0x8a, 0x8a, 0x8a, // 10 - 0x80
  0xe1, 0xe1, 0xe1, 0xe1, 0xe1, 0xe1, 0xe1, 0xe1, 0xe1, 0xe1, 0xe1, 0xe1, 0xe1, 0xe1, 0xe1, 0xe1, // 'a' + 0x80
  0x9a, 0x9a, 0x9a, 0x9a, 0x9a, 0x9a, 0x9a, 0x9a, 0x9a, 0x9a, 0x9a, 0x9a, 0x9a, 0x9a, 0x9a, 0x9a, // 26 - 0x80
], 16);

/**
 * Bit i set when byte p + i is a word byte: from 0x80 (negative as signed), '0'..'9' or 'a'..'z'
 * (lower-cased already). x - (lo + 0x80) < n - 0x80, signed, is lo <= x < lo + n unsigned.
 */
@inline function wordMask(p: usize): u64 {
  const v = v128.load(p);
  const high = i8x16.lt_s(v, v128.xor(v, v));
  const digit = i8x16.lt_s(i8x16.sub(v, v128.load(CONSTS)), v128.load(CONSTS + 16));
  const letter = i8x16.lt_s(i8x16.sub(v, v128.load(CONSTS + 32)), v128.load(CONSTS + 48));
  return <u64>i8x16.bitmask(v128.or(high, v128.or(digit, letter)));
}
