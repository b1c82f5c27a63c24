// Who is logging: service, namespace, workload and node (pod), from Istio's node metadata,
// unless the configuration says otherwise. Read once per configure, on the root context.
import { getProperty, Ret } from "../../proxy-wasm-as/hostcalls";
import { Config } from "./config";

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

export function identityOf(c: Config): Identity {
  const id = new Identity();
  id.namespace = c.namespace.length ? c.namespace : nodeString("node\0metadata\0NAMESPACE");
  id.workload = c.workload.length ? c.workload : nodeString("node\0metadata\0WORKLOAD_NAME");
  id.node = c.node.length ? c.node : nodeString("node\0metadata\0NAME");
  id.service = c.service;
  if (id.service.length == 0) id.service = nodeString("node\0metadata\0LABELS\0service.istio.io/canonical-name");
  if (id.service.length == 0) id.service = nodeString("node\0metadata\0LABELS\0app");
  if (id.service.length == 0) id.service = id.workload;
  return id;
}
