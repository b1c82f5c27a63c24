// Snappy's block format decoded by hand, for the Loki receiver: it checks what the encoder sends
// without the library the encoder compresses with. A preamble (the length, a varint), then
// literals and back-references to bytes already written.

export function snappyUncompress(input: Buffer): Buffer {
  let at = 0;
  const varint = (): number => {
    let n = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (at >= input.length) throw new Error('snappy: the length preamble is cut');
      const b = input[at++]!;
      n += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return n;
    }
    throw new Error('snappy: the length preamble is too long');
  };
  const le = (bytes: number): number => {
    if (at + bytes > input.length) throw new Error('snappy: an element is cut');
    let n = 0;
    for (let i = 0; i < bytes; i++) n += input[at++]! * 2 ** (8 * i);
    return n;
  };
  const out = Buffer.alloc(varint());
  let length = 0;
  while (at < input.length) {
    const tag = input[at++]!;
    if ((tag & 3) === 0) {
      const short = tag >> 2;
      const size = (short < 60 ? short : le(short - 59)) + 1;
      if (at + size > input.length || length + size > out.length) throw new Error('snappy: a literal runs past its end');
      input.copy(out, length, at, at + size);
      at += size;
      length += size;
      continue;
    }
    const [size, offset] = (tag & 3) === 1 ? [4 + ((tag >> 2) & 7), ((tag >> 5) << 8) | le(1)]
      : [1 + (tag >> 2), le((tag & 3) === 2 ? 2 : 4)];
    if (offset === 0 || offset > length || length + size > out.length) throw new Error('snappy: a copy points outside what was written');
    // Byte by byte: a copy may overlap the bytes it writes (a run).
    for (let i = 0; i < size; i++, length++) out[length] = out[length - offset]!;
  }
  if (length !== out.length) throw new Error(`snappy: ${length} bytes written, the preamble says ${out.length}`);
  return out;
}
