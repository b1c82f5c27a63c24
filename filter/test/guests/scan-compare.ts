// Runs the filter's scan both ways over each text: 16 bytes at a time with the candidate masks
// (what the filter does) and every word start one byte at a time (the plain reading of the
// rules), with the default rules, with every rule on, and as a JSON body. The plugin
// configuration holds the texts, separated by NUL bytes; the module logs one line per text
// whose spans differ, and "done N" at the end.
export * from "../../src/abi/module";
import { BufferType, LogLevel } from "../../src/abi/enums";
import { getBuffer, log, Ret } from "../../src/abi/hostcalls";
import { Config } from "../../src/config";
import { detect, Spans } from "../../src/redact/detect";
import { KeyList } from "../../src/redact/json-keys";
import { Mode } from "../../src/redact/rules";

const simd = new Spans();
const bytewise = new Spans();

function describe(s: Spans): string {
  let out = "";
  for (let i = 0; i < s.count; i++) out += `${s.rule[i]}@${s.start[i]}-${s.end[i]} `;
  return out;
}

function same(a: Spans, b: Spans): bool {
  if (a.count != b.count) return false;
  for (let i = 0; i < a.count; i++) {
    if (a.start[i] != b.start[i] || a.end[i] != b.end[i] || a.rule[i] != b.rule[i]) return false;
  }
  return true;
}

export function proxy_on_configure(root: u32, size: u32): u32 {
  getBuffer(BufferType.PluginConfiguration, 0, size);
  const all = Ret.ptr;
  const len = Ret.len;
  const defaults = new Config().modes;
  const every = new StaticArray<u8>(defaults.length);
  const normal = new StaticArray<u8>(defaults.length);
  for (let i = 0; i < defaults.length; i++) {
    normal[i] = defaults[i];
    every[i] = Mode.Mask;
  }
  const params: ArrayBuffer[] = [];
  const names = new Config().deniedParams;
  for (let i = 0; i < names.length; i++) params.push(String.UTF8.encode(names[i]));
  const keys = new KeyList(params);
  let texts = 0;
  let start: u32 = 0;
  for (let i: u32 = 0; i <= len; i++) {
    if (i < len && load<u8>(all + i) != 0) continue;
    const p = all + start;
    const n = i - start;
    for (let way = 0; way < 3; way++) {
      const modes = way == 1 ? every : normal;
      const json = way == 2 ? keys : null;
      detect(p, n, modes, simd, json, true);
      detect(p, n, modes, bytewise, json, false);
      if (!same(simd, bytewise)) {
        log(LogLevel.Warn, `text ${texts} way ${way}: simd ${describe(simd)}| bytewise ${describe(bytewise)}`);
      }
    }
    texts++;
    start = i + 1;
  }
  log(LogLevel.Info, `done ${texts}`);
  return 1;
}
