// Finding a query's text in a block's records (AssemblyScript, built to build/find.wasm; used by
// collector/src/unpacked.ts). A free-text query reads every block the index names, often a
// hundred of 200 KB for a page, and looks for the text in each: 16 positions at a time, those
// whose first and last bytes are the text's (wasm SIMD), each then compared whole. About twice
// as fast here as Buffer.indexOf, whose skips are short on text so full of digits.

let hay: usize = 0;
let needle: usize = 0;

/** Room for `len` bytes of text and an `n`-byte needle: the text's address (0 when memory cannot grow that far). The needle goes at needleAt(). */
export function prepare(len: u32, n: u32): usize {
  const base = (__heap_base + 15) & ~15;
  // Past the text: 16 bytes for the last chunk's loads, then the needle, then 16 again.
  const end = base + <usize>len + 16 + <usize>n + 16;
  const have = <usize>memory.size() << 16;
  if (end > have && memory.grow(<i32>((end - have + 0xffff) >>> 16)) < 0) return 0;
  hay = base;
  needle = base + <usize>len + 16;
  return hay;
}

export function needleAt(): usize {
  return needle;
}

/** Where the n-byte needle first starts in the len bytes of text at or after `from`, or -1. */
export function find(len: u32, n: u32, from: u32): i32 {
  if (n == 0 || n > len) return -1;
  const first = i8x16.splat(load<u8>(needle));
  const last = i8x16.splat(load<u8>(needle + n - 1));
  const end = len - n + 1; // where a match may start: [from, end)
  for (let i = from; i < end; i += 16) {
    let mask = <u32>i8x16.bitmask(v128.and(i8x16.eq(v128.load(hay + i), first), i8x16.eq(v128.load(hay + i + n - 1), last)));
    while (mask != 0) {
      const at = i + ctz(mask);
      if (at >= end) return -1;
      if (memory.compare(hay + at, needle, n) == 0) return <i32>at;
      mask &= mask - 1;
    }
  }
  return -1;
}
