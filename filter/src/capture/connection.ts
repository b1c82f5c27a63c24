// What stays the same for every request on a downstream connection, read once per connection:
// a sidecar's connections carry many requests, and each property read is a host call (which in
// Envoy evaluates an attribute expression). The protocol and the addresses are kept as the JSON
// they become, redacted once, with the redactions that took: every record still counts them.
import { getProperty, Ret } from "../../../proxy-wasm-as/hostcalls";
import { ByteWriter, bytesOf } from "../bytes";
import { Redactor } from "../redact/redactor";
import { Mode, Rule } from "../redact/rules";
import * as F from "./fields";
import { Value, writeProperty } from "./value";

const P_CONNECTION = bytesOf("connection\0id");
const P_PROTOCOL = bytesOf("request\0protocol");
const P_SOURCE = bytesOf("source\0address");
const P_DESTINATION = bytesOf("destination\0address");
const P_SNI = bytesOf("connection\0requested_server_name");
const P_PEER_SAN = bytesOf("connection\0uri_san_peer_certificate");

/** Connections whose values are kept; past this many the cache starts over. */
const CONNECTIONS_KEPT = 1024;

export class ConnectionValues {
  /** ,"protocol":"…" */
  protocol: ArrayBuffer = new ArrayBuffer(0);
  /** ,"downstream_local_address":"…","downstream_remote_address":"…","requested_server_name":"…","source_principal":"…" */
  addresses: ArrayBuffer = new ArrayBuffer(0);
  /** The redactions in them: pairs of rule and count. */
  redactions: StaticArray<u32> = new StaticArray<u32>(0);
}

export class Connections {
  private kept: Map<u64, ConnectionValues> = new Map<u64, ConnectionValues>();
  private scratch: ByteWriter = new ByteWriter(256);

  constructor(private redactor: Redactor) {}

  free(): void {
    this.scratch.free();
  }

  /** This request's connection's values: from the cache by connection.id, or read (and kept) now. */
  current(): ConnectionValues {
    let id: u64 = 0;
    let known = false;
    if (getProperty(P_CONNECTION)) {
      if (Ret.len == 8) {
        id = load<u64>(Ret.ptr);
        known = true;
      }
      Ret.free();
    }
    if (known && this.kept.has(id)) return this.kept.get(id);
    const v = this.read();
    if (known) {
      if (this.kept.size >= CONNECTIONS_KEPT) this.kept.clear();
      this.kept.set(id, v);
    }
    return v;
  }

  /** A connection's values as JSON, redacted (with a tally of their own, not the record's). */
  private read(): ConnectionValues {
    const v = new ConnectionValues();
    const r = this.redactor;
    const w = this.scratch;
    const mark = r.keepFrom();
    const addresses = r.modes[Rule.IP_ADDRESS] != Mode.Off ? Value.Scanned : Value.Escaped;
    w.clear();
    writeProperty(w, r, F.PROTOCOL, P_PROTOCOL, Value.Escaped);
    v.protocol = w.toBuffer();
    w.clear();
    writeProperty(w, r, F.DOWNSTREAM_LOCAL_ADDRESS, P_DESTINATION, addresses);
    writeProperty(w, r, F.DOWNSTREAM_REMOTE_ADDRESS, P_SOURCE, addresses);
    writeProperty(w, r, F.REQUESTED_SERVER_NAME, P_SNI, Value.Scanned);
    writeProperty(w, r, F.SOURCE_PRINCIPAL, P_PEER_SAN, Value.Scanned);
    v.addresses = w.toBuffer();
    v.redactions = r.keptSince(mark);
    return v;
  }
}
