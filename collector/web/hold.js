// What arrives while the live tail is paused: held, up to a bound, to be shown on resume; past
// the bound the oldest go, and are counted, so the page can say how many it did not keep.
export class Hold {
  constructor(max) {
    this.max = max;
    this.items = [];
    this.dropped = 0;
  }

  get size() {
    return this.items.length;
  }

  /** Hold `item`; returns the item let go to make room, if one was. */
  push(item) {
    this.items.push(item);
    if (this.items.length <= this.max) return undefined;
    this.dropped++;
    return this.items.shift();
  }

  /** What was held, oldest first, and how many were let go; the hold is then empty. */
  take() {
    const taken = { items: this.items, dropped: this.dropped };
    this.items = [];
    this.dropped = 0;
    return taken;
  }
}
