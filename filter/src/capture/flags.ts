// response_flags: Envoy's response flags, a bit field, written as its short codes ("UF,URX").
import { getProperty, Ret } from "../../../proxy-wasm-as/hostcalls";
import { ByteWriter, bytesOf } from "../bytes";
import * as F from "./fields";

const P_FLAGS = bytesOf("response\0flags");

/** The codes bit by bit (StreamInfo::CoreResponseFlag). */
const FLAG_CODES: string[] = ["LH", "UH", "UT", "LR", "UR", "UF", "UC", "UO", "NR", "DI", "FI", "RL", "UAEX", "RLSE", "DC",
  "URX", "SI", "IH", "DPE", "UMSDR", "RFCF", "NFCF", "DT", "UPE", "NC", "OM", "DF", "DO", "DR"];

/** ,"response_flags":"…", "-" for none; returns the bits. */
export function writeFlags(w: ByteWriter): u64 {
  let bits: u64 = 0;
  if (getProperty(P_FLAGS)) {
    if (Ret.len == 8) bits = load<u64>(Ret.ptr);
    Ret.free();
  }
  w.buf(F.RESPONSE_FLAGS);
  if (bits == 0) w.byte(0x2d);
  // The bits that are set, lowest first (nearly always none).
  let rest = bits;
  let first = true;
  while (rest != 0) {
    const b = <i32>ctz(rest);
    rest &= rest - 1;
    if (b >= FLAG_CODES.length) break;
    if (!first) w.byte(0x2c);
    first = false;
    w.ascii(FLAG_CODES[b]);
  }
  w.byte(0x22);
  return bits;
}
