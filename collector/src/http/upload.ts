// An upload in progress: a batch arriving as an HTTP body or as a WebSocket message. Its bytes
// are reserved from one pending-bytes budget, shared by every producer, as they arrive, never
// from a length the producer declares: one that trickles holds only what it has sent. And an
// upload that stalls, or takes too long in all, is cut, so that none keeps its share for ever.

export interface UploadLimits {
  /** Bytes of batches being received or waiting to be written, all producers together. */
  maxPendingBytes: number;
  /** Longest an upload may take from its first byte to its last. */
  bodyTimeoutMs: number;
  /** Longest an upload may go without a byte. */
  bodyIdleMs: number;
}

/** Why an upload was cut: no room in the budget, no byte for bodyIdleMs, or not whole in bodyTimeoutMs. */
export type Cut = 'busy' | 'stalled' | 'too_slow';

/**
 * The WebSocket close code for an upload cut for stalling or slowness: the collector's own (the
 * 4000s are the application's), as the batch is not at fault and a producer sends it again. A
 * busy collector closes with 1013, "try again later"; 1008 means "not a batch", which is for good.
 */
export const CLOSE_CUT = 4408;

/** The budget every upload reserves its bytes from. */
export class PendingBytes {
  used = 0;

  constructor(readonly max: number) {}

  get full(): boolean {
    return this.used >= this.max;
  }
}

/** What a producer is told when its upload is cut, and what to do: short enough for a WebSocket close reason. */
export function cutMessage(why: Cut, limits: UploadLimits): string {
  if (why === 'busy') return 'too many batches arriving at once: send this one again after a pause';
  if (why === 'stalled') return `nothing arrived for ${limits.bodyIdleMs} ms in the middle of a batch: send each batch without pauses`;
  return `a batch must arrive whole within ${limits.bodyTimeoutMs} ms: send smaller batches, or over a faster link`;
}

/**
 * One upload after another on the same connection (WebSocket messages): `add` as bytes arrive,
 * `end` when the batch is whole or abandoned. Once cut it takes nothing more.
 */
export class Upload {
  /** Bytes reserved for the batch arriving now. */
  held = 0;
  cut: Cut | undefined;
  private started = 0;
  private last = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly pending: PendingBytes, private readonly limits: UploadLimits, private readonly onCut: (why: Cut) => void) {}

  /** n more bytes arrived; false when the upload is cut (now, for want of room, or before). */
  add(n: number): boolean {
    if (this.cut !== undefined) return false;
    if (this.pending.used + n > this.pending.max) {
      this.stop('busy');
      return false;
    }
    this.pending.used += n;
    this.held += n;
    this.last = Date.now();
    if (this.timer === undefined) {
      this.started = this.last;
      this.timer = setTimeout(this.check, Math.min(this.limits.bodyIdleMs, this.limits.bodyTimeoutMs));
    }
    return true;
  }

  /** The batch is whole, or will never be: its bytes go back to the budget. */
  end(): void {
    this.pending.used -= this.held;
    this.held = 0;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private stop(why: Cut): void {
    this.end();
    this.cut = why;
    this.onCut(why);
  }

  /** One timer per upload, not one per chunk: when it fires, the clocks are read and it is set again. */
  private readonly check = () => {
    const now = Date.now();
    const idle = this.last + this.limits.bodyIdleMs - now;
    const total = this.started + this.limits.bodyTimeoutMs - now;
    if (total <= 0) return this.stop('too_slow');
    if (idle <= 0) return this.stop('stalled');
    this.timer = setTimeout(this.check, Math.min(idle, total));
  };
}
