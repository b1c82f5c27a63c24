// SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), for pseudonyms: the same value under the same
// key always gives the same pseudonym, and without the key a pseudonym cannot be reversed by a
// dictionary of likely values (which an unkeyed hash of an email or an IP can).

const K: u32[] = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

export class Sha256 {
  private h: StaticArray<u32> = new StaticArray<u32>(8);
  private w: StaticArray<u32> = new StaticArray<u32>(64);
  private block: usize = heap.alloc(64);
  private used: u32 = 0;
  private total: u64 = 0;

  constructor() {
    this.reset();
  }

  free(): void {
    heap.free(this.block);
  }

  reset(): void {
    this.h[0] = 0x6a09e667; this.h[1] = 0xbb67ae85; this.h[2] = 0x3c6ef372; this.h[3] = 0xa54ff53a;
    this.h[4] = 0x510e527f; this.h[5] = 0x9b05688c; this.h[6] = 0x1f83d9ab; this.h[7] = 0x5be0cd19;
    this.used = 0;
    this.total = 0;
  }

  update(p: usize, n: u32): void {
    this.total += n;
    while (n > 0) {
      const take = min(64 - this.used, n);
      memory.copy(this.block + this.used, p, take);
      this.used += take;
      p += take;
      n -= take;
      if (this.used == 64) {
        this.compress();
        this.used = 0;
      }
    }
  }

  /** The 32-byte digest, written at out. */
  finish(out: usize): void {
    const bits = this.total * 8;
    store<u8>(this.block + this.used, 0x80);
    this.used++;
    if (this.used > 56) {
      memory.fill(this.block + this.used, 0, 64 - this.used);
      this.compress();
      this.used = 0;
    }
    memory.fill(this.block + this.used, 0, 56 - this.used);
    for (let i: u32 = 0; i < 8; i++) store<u8>(this.block + 63 - i, <u8>(bits >> (i * 8)));
    this.compress();
    for (let i = 0; i < 8; i++) store<u32>(out + i * 4, bswap<u32>(this.h[i]));
  }

  private compress(): void {
    const w = this.w;
    for (let i = 0; i < 16; i++) unchecked(w[i] = bswap<u32>(load<u32>(this.block + i * 4)));
    for (let i = 16; i < 64; i++) {
      const a = unchecked(w[i - 15]);
      const b = unchecked(w[i - 2]);
      const s0 = rotr<u32>(a, 7) ^ rotr<u32>(a, 18) ^ (a >>> 3);
      const s1 = rotr<u32>(b, 17) ^ rotr<u32>(b, 19) ^ (b >>> 10);
      unchecked(w[i] = unchecked(w[i - 16]) + s0 + unchecked(w[i - 7]) + s1);
    }
    let a = this.h[0], b = this.h[1], c = this.h[2], d = this.h[3], e = this.h[4], f = this.h[5], g = this.h[6], h = this.h[7];
    for (let i = 0; i < 64; i++) {
      const t1 = h + (rotr<u32>(e, 6) ^ rotr<u32>(e, 11) ^ rotr<u32>(e, 25)) + ((e & f) ^ (~e & g)) + unchecked(K[i]) + unchecked(w[i]);
      const t2 = (rotr<u32>(a, 2) ^ rotr<u32>(a, 13) ^ rotr<u32>(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    this.h[0] += a; this.h[1] += b; this.h[2] += c; this.h[3] += d;
    this.h[4] += e; this.h[5] += f; this.h[6] += g; this.h[7] += h;
  }
}

/** HMAC-SHA256 with a fixed key: the padded key blocks are prepared once. */
export class HmacSha256 {
  private inner: usize = heap.alloc(64);
  private outer: usize = heap.alloc(64);
  private sha: Sha256 = new Sha256();
  private digest: usize = heap.alloc(32);

  free(): void {
    heap.free(this.inner);
    heap.free(this.outer);
    heap.free(this.digest);
    this.sha.free();
  }

  constructor(key: ArrayBuffer) {
    let k = changetype<usize>(key);
    let kLen = <u32>key.byteLength;
    if (kLen > 64) {
      this.sha.update(k, kLen);
      this.sha.finish(this.digest);
      k = this.digest;
      kLen = 32;
    }
    for (let i: u32 = 0; i < 64; i++) {
      const b: u8 = i < kLen ? load<u8>(k + i) : 0;
      store<u8>(this.inner + i, b ^ 0x36);
      store<u8>(this.outer + i, b ^ 0x5c);
    }
  }

  /** HMAC of n bytes at p, 32 bytes written at out. */
  mac(p: usize, n: u32, out: usize): void {
    this.sha.reset();
    this.sha.update(this.inner, 64);
    this.sha.update(p, n);
    this.sha.finish(this.digest);
    this.sha.reset();
    this.sha.update(this.outer, 64);
    this.sha.update(this.digest, 32);
    this.sha.finish(out);
  }
}
