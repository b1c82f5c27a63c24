// How a block's records are compressed, by the shard's storage layout: layout 2 deflate level 1,
// layout 3 brotli quality 1, layout 4 LZ4 (the lz4-napi package: lz4_flex's block format, its
// size before it). LZ4 makes blocks somewhat larger than brotli but compresses and reads back
// faster: ingest is CPU-bound, and a free-text query that reads many blocks spends most of its
// time decompressing them (docs/decisions.md). A shard keeps the codec it was
// made with, so a collector upgraded mid-day goes on writing that day's shard as it was, and
// reads every kind.
import { compressSync, uncompressSync } from 'lz4-napi';
import { brotliCompressSync, brotliDecompressSync, constants, deflateRawSync, inflateRawSync } from 'node:zlib';

/** The layout new shards are made with. */
export const CURRENT_LAYOUT = 4;
/** The layouts this collector reads and writes. */
export const LAYOUTS = [2, 3, 4];

const BROTLI = { params: { [constants.BROTLI_PARAM_QUALITY]: 1, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT } };

export function packBlock(text: string | Buffer, layout: number): Buffer {
  if (layout === 4) return compressSync(typeof text === 'string' ? Buffer.from(text) : text);
  return layout === 2 ? deflateRawSync(text, { level: 1 }) : brotliCompressSync(text, BROTLI);
}

export function unpackBlock(data: Buffer, layout: number): Buffer {
  if (layout === 4) return uncompressSync(data);
  return layout === 2 ? inflateRawSync(data) : brotliDecompressSync(data);
}
