// When the filter collects its garbage. The minimal runtime frees managed objects only when
// __collect is called, and it finds the live ones from globals alone (it does not scan the
// stack): so only where no managed object is held in a local, at the top of a callback. The
// tick alone is too rare under load: a second's garbage from thousands of requests fills the
// heap, the allocator doubles the memory to make room, and holes left between what lives keep
// it growing. A stream's end is such a point, and comes once per request.

/** Streams ended between collections: a collection costs a walk over what lives, so not one per stream. */
const STREAMS_PER_COLLECT: u32 = 256;

let ended: u32 = 0;

/** A stream has ended, and nothing managed is on the stack: collect once every STREAMS_PER_COLLECT. */
export function collectEvery(): void {
  if (++ended < STREAMS_PER_COLLECT) return;
  ended = 0;
  __collect();
}
