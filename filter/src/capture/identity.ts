// Who is logging: service, namespace, workload and node (pod), from Istio's node metadata,
// unless the configuration says otherwise. Read once per configure, on the root context.
import { getProperty, Ret } from "../../../proxy-wasm-as/hostcalls";
import { ByteWriter } from "../bytes";
import { Config } from "../config";
import { writeEscaped } from "../redact/escape";
import { IDENTITY } from "./fields";

function nodeString(path: string): string {
  if (!getProperty(String.UTF8.encode(path))) return "";
  const s = String.UTF8.decodeUnsafe(Ret.ptr, Ret.len);
  Ret.free();
  return s;
}

export class Identity {
  service: string = "";
  namespace: string = "";
  workload: string = "";
  node: string = "";
}

/** The proxy's own namespace: the configuration's, else Istio's node metadata. */
export function namespaceOf(c: Config): string {
  return c.namespace.length ? c.namespace : nodeString("node\0metadata\0NAMESPACE");
}

export function identityOf(c: Config): Identity {
  const id = new Identity();
  id.namespace = namespaceOf(c);
  id.workload = c.workload.length ? c.workload : nodeString("node\0metadata\0WORKLOAD_NAME");
  id.node = c.node.length ? c.node : nodeString("node\0metadata\0NAME");
  id.service = c.service;
  if (id.service.length == 0) id.service = nodeString("node\0metadata\0LABELS\0service.istio.io/canonical-name");
  if (id.service.length == 0) id.service = nodeString("node\0metadata\0LABELS\0app");
  if (id.service.length == 0) id.service = id.workload;
  return id;
}

/** The identity fields, escaped once at configure: ,"service":"…","namespace":"…",… */
export function identityJson(id: Identity): ArrayBuffer {
  const w = new ByteWriter(256);
  const values = [id.service, id.namespace, id.workload, id.node];
  for (let i = 0; i < IDENTITY.length; i++) {
    if (values[i].length == 0) continue;
    w.ascii(",\"");
    w.ascii(IDENTITY[i]);
    w.ascii("\":\"");
    const b = String.UTF8.encode(values[i]);
    writeEscaped(w, changetype<usize>(b), b.byteLength);
    w.byte(0x22);
  }
  const out = w.toBuffer();
  heap.free(w.ptr);
  return out;
}
