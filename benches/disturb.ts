// A stand-in for what a proxy's own work does to the CPU caches between a module's callbacks: the
// memory its HTTP stack writes (fresh objects, buffers) and the code it runs. The memory is the
// next stretch of a ring much larger than the caches, one write a cache line, as a young
// generation fills: every line it touches is a fresh one, pushing the module's code and data out.

/**
 * KiB written a request, chosen by a probe: a 512 KiB pointer chase in random order (so the
 * prefetcher hides no miss), read at each request inside `redtail proxy` with the no-op guest
 * under keep-alive load, comes back about half evicted from L2 (between its warm and its fully
 * evicted time); in process, writing this much between two reads of the same probe evicts it by
 * as much. The proxy's own JS heap is only about 30 KiB a request (its scavenges, `--trace-gc`):
 * the rest is the kernel's sockets, Node's code, and the client and upstream on the same cores.
 */
export const DISTURB_KIB = 512;

const LINE = 64;
const ring = new Uint8Array(32 << 20);
let at = 0;
let kept = 0; // read back at the end, so the work is not thrown away as dead code

const PATH = '/api/orders?customer=42&page=3&sort=desc';

/** Writes `kib` KiB of the ring, a byte a cache line, and parses a little text as an HTTP stack would. */
export function disturb(kib: number): void {
  const end = at + kib * 1024;
  if (end > ring.length) at = 0;
  for (let i = at; i < at + kib * 1024; i += LINE) ring[i] = i;
  at += kib * 1024;
  const query = new URLSearchParams(PATH.slice(PATH.indexOf('?') + 1));
  kept += query.get('page')!.length + JSON.stringify({ status: 200, path: PATH }).length;
}

/** The sum of what the disturbance computed, to keep it from being optimised away. */
export const disturbed = (): number => kept + (ring[at - LINE] ?? 0);
