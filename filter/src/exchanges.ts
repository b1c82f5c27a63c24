// What each stream in flight remembers between its callbacks, found by context id. Envoy numbers
// contexts one after another, so the id's low bits pick a slot directly: no hashing on the five
// lookups a request makes. A stream whose slot is taken (one still open SLOTS streams later: a
// long gRPC or WebSocket stream) goes to a map instead. Exchanges are pooled.
import { Body } from "./capture/body";

/** What a stream remembers between its callbacks. Pooled: one is needed per request in flight. */
export class Exchange {
  startNs: i64 = 0;
  request: Body = new Body();
  response: Body = new Body();

  reset(): void {
    this.startNs = 0;
    this.request.reset();
    this.response.reset();
  }
}

const SLOTS: u32 = 1024;

export class Exchanges {
  private ids: StaticArray<u32> = new StaticArray<u32>(SLOTS);
  private slots: StaticArray<Exchange | null> = new StaticArray<Exchange | null>(SLOTS);
  private overflow: Map<u32, Exchange> = new Map<u32, Exchange>();
  private pool: Exchange[] = [];

  /** A fresh exchange for a new stream. Context ids are never 0 (that is no context). */
  open(ctx: u32): void {
    const ex = this.pool.length > 0 ? this.pool.pop() : new Exchange();
    const s = ctx & (SLOTS - 1);
    if (unchecked(this.ids[s]) == 0) {
      unchecked(this.ids[s] = ctx);
      unchecked(this.slots[s] = ex);
    } else this.overflow.set(ctx, ex);
  }

  /** The stream's exchange, or null for a context this filter did not open (the root). */
  get(ctx: u32): Exchange | null {
    const s = ctx & (SLOTS - 1);
    if (unchecked(this.ids[s]) == ctx) return unchecked(this.slots[s]);
    return this.overflow.has(ctx) ? this.overflow.get(ctx) : null;
  }

  /** The stream is gone: its exchange goes back to the pool. */
  close(ctx: u32): void {
    const s = ctx & (SLOTS - 1);
    let ex: Exchange | null = null;
    if (unchecked(this.ids[s]) == ctx) {
      ex = unchecked(this.slots[s]);
      unchecked(this.ids[s] = 0);
      unchecked(this.slots[s] = null);
    } else if (this.overflow.has(ctx)) {
      ex = this.overflow.get(ctx);
      this.overflow.delete(ctx);
    }
    if (ex === null) return;
    ex.reset(); // also when the pool is full: it frees what the exchange holds outside the managed heap
    if (this.pool.length < <i32>SLOTS) this.pool.push(ex);
  }
}
