// Memory the host hands over (proxy_on_memory_allocate): header maps, property values, body
// chunks. A request has a handful of such blocks, each freed before its callback returns, so they
// come from a small bump arena that starts over once everything in it is given back; a block
// that does not fit, or any while the arena is full, comes from the heap. A block never given
// back only keeps the arena from starting over (the rest then comes from the heap).
const SIZE: usize = 16384;
const arena: usize = heap.alloc(SIZE);
let top: usize = 0;
let live: u32 = 0;

export function handOut(size: usize): usize {
  const aligned = (size + 15) & ~15;
  if (top + aligned <= SIZE) {
    const ptr = arena + top;
    top += aligned;
    live++;
    return ptr;
  }
  return heap.alloc(size);
}

/** Give back a block the host handed over. */
export function release(ptr: usize): void {
  if (ptr - arena < SIZE) {
    if (--live == 0) top = 0;
  } else heap.free(ptr);
}
