// What every context (root or HTTP stream) answers to the host calls. A host call acts on the
// VM's active context: the one whose callback is running, or the one the module chose with
// proxy_set_effective_context. Root and stream contexts override what they have.
import { BufferType, MapType, Status, StreamType } from './abi.js';
import type { BodyBuffer } from './buffer.js';
import type { HeaderMap } from './headers.js';
import type { Pair } from './pairs.js';
import { lookupProperty, type PropertyMap, type PropertyValue } from './properties.js';
import type { RootContext } from './root-context.js';
import type { Vm } from './vm.js';

export interface LocalReply {
  status: number;
  details: string;
  body: Buffer;
  headers: Pair[];
  grpcStatus: number;
}

export abstract class Context {
  abstract readonly root: RootContext;
  /** Values the module stored with proxy_set_property (Envoy keeps them in filter state). */
  protected stored: PropertyMap | undefined;

  /** Where this context stands in its VM's ContextTable. */
  slot = -1;

  constructor(readonly vm: Vm, readonly id: number) {
    vm.contexts.add(this); // before proxy_on_context_create, so the module may address it at once
  }

  buffer(type: BufferType): BodyBuffer | undefined {
    return this.root.sharedBuffer(type);
  }

  /** For reading: Envoy answers the root's http-call response maps from any context. */
  headerMap(type: MapType): HeaderMap | undefined {
    return this.root.sharedHeaderMap(type);
  }

  /** For writing: only a stream's own maps can be changed. */
  mutableHeaderMap(_type: MapType): HeaderMap | undefined {
    return undefined;
  }

  abstract propertyLayers(): readonly (PropertyMap | undefined)[];

  /** The property at a path (proxy_get_property): the first layer holding its first segment decides. */
  property(segments: readonly string[]): PropertyValue | undefined {
    return lookupProperty(this.propertyLayers(), segments);
  }

  setProperty(_path: string, _value: Uint8Array): Status {
    return Status.NotFound; // Envoy: no stream info, no filter state to write to
  }

  continueStream(_type: StreamType): Status {
    return Status.BadArgument;
  }

  closeStream(_type: StreamType): Status {
    return Status.BadArgument;
  }

  sendLocalResponse(_reply: LocalReply): Status {
    return Status.BadArgument;
  }
}

/**
 * The live contexts of a VM. An array with swap-removal rather than a Map: a stream is added and
 * removed on every request, and only proxy_set_effective_context looks one up by id.
 */
export class ContextTable {
  private live: Context[] = [];

  add(context: Context): void {
    context.slot = this.live.length;
    this.live.push(context);
  }

  remove(context: Context): void {
    const i = context.slot;
    if (i < 0 || this.live[i] !== context) return;
    const last = this.live.pop()!;
    if (last !== context) {
      this.live[i] = last;
      last.slot = i;
    }
    context.slot = -1;
  }

  get(id: number): Context | undefined {
    for (const c of this.live) if (c.id === id) return c;
    return undefined;
  }

  has(id: number): boolean {
    return this.get(id) !== undefined;
  }

  get size(): number {
    return this.live.length;
  }
}
