// State shared by every VM in one host, as cpp-host keeps it process-wide: key/value data with
// compare-and-swap, and named FIFO queues. Both are scoped by vm_id, so plugins with
// different vm_ids do not see each other's state.
import { Status } from './abi.js';

interface Entry {
  value: Uint8Array;
  cas: number;
}

export class SharedData {
  private data = new Map<string, Map<string, Entry>>();
  private nextCas = 1;

  get(vmId: string, key: string): Entry | Status.NotFound {
    return this.data.get(vmId)?.get(key) ?? Status.NotFound;
  }

  /** cas 0 writes unconditionally; any other cas must match the current one. */
  set(vmId: string, key: string, value: Uint8Array, cas: number): Status {
    let map = this.data.get(vmId);
    if (map === undefined) this.data.set(vmId, (map = new Map()));
    const current = map.get(key);
    if (current !== undefined && cas !== 0 && cas !== current.cas) return Status.CasMismatch;
    map.set(key, { value: value.slice(), cas: this.takeCas() });
    return Status.Ok;
  }

  private takeCas(): number {
    const cas = this.nextCas;
    this.nextCas = this.nextCas >= 0xffffffff ? 1 : this.nextCas + 1; // never 0: 0 means "no check"
    return cas;
  }
}

interface Queue {
  items: Uint8Array[];
  /** Called once per enqueue, asynchronously, on the root context that registered the queue. */
  notify: (id: number) => void;
}

export class SharedQueues {
  private byName = new Map<string, number>();
  private queues = new Map<number, Queue>();
  private nextId = 1;

  /** Registering again keeps the pending items and moves the notifications to the new registrant. */
  register(vmId: string, name: string, notify: (id: number) => void): number {
    const key = `${vmId}\0${name}`;
    let id = this.byName.get(key);
    if (id === undefined) {
      id = this.nextId++;
      this.byName.set(key, id);
      this.queues.set(id, { items: [], notify });
    } else this.queues.get(id)!.notify = notify;
    return id;
  }

  resolve(vmId: string, name: string): number | undefined {
    return this.byName.get(`${vmId}\0${name}`);
  }

  enqueue(id: number, value: Uint8Array): Status {
    const queue = this.queues.get(id);
    if (queue === undefined) return Status.NotFound;
    queue.items.push(value.slice());
    setImmediate(() => queue.notify(id));
    return Status.Ok;
  }

  dequeue(id: number): Uint8Array | Status {
    const queue = this.queues.get(id);
    if (queue === undefined) return Status.NotFound;
    return queue.items.shift() ?? Status.Empty;
  }
}
