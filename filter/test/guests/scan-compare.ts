// Runs the filter's scan both ways over each text: 16 bytes at a time with the candidate masks
// (what the filter does) and every word start and separator one byte at a time (the plain
// reading of the rules), with the default rules, with every rule on (read as a path), and as a
// JSON body. And every secret word holds a pair of letters that the prefilters look for. The plugin
// configuration holds the texts, separated by NUL bytes; the module logs one line per text
// whose spans differ, and "done N" at the end.
export * from "../../../proxy-wasm-as/module";
import { BufferType, LogLevel } from "../../../proxy-wasm-as/enums";
import { getBuffer, log, Ret } from "../../../proxy-wasm-as/hostcalls";
import { Config } from "../../src/config";
import { detect, Scanning, Spans } from "../../src/redact/detect";
import { hintGroups } from "../../src/redact/candidates";
import { SecretNames, STEMS, WORDS } from "../../src/redact/names";
import { Source, Syntax } from "../../src/redact/source";
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
  // Configured names too: one letter, two, and one that starts like a word's hint.
  const names = new SecretNames(["k", "zq", "sessionish", "x-custom-secret-name"]);
  hintGroups(names.groups());
  let texts = 0;
  let start: u32 = 0;
  for (let i: u32 = 0; i <= len; i++) {
    if (i < len && load<u8>(all + i) != 0) continue;
    const p = all + start;
    const n = i - start;
    for (let way = 0; way < 3; way++) {
      const modes = way == 1 ? every : normal;
      Source.syntax = way == 2 ? Syntax.Json : way == 1 ? Syntax.Path : Syntax.Text;
      detect(p, n, modes, simd, names, Scanning.Wide);
      detect(p, n, modes, bytewise, names, Scanning.Bytewise);
      if (!same(simd, bytewise)) {
        log(LogLevel.Warn, `text ${texts} way ${way}: simd ${describe(simd)}| bytewise ${describe(bytewise)}`);
      }
    }
    texts++;
    start = i + 1;
  }
  // Every secret word holds a pair the prefilters look for.
  const secretWords = (STEMS + " " + WORDS + " key keys code codes tokens card_number code_verifier oauth_verifier seed_phrase " +
    "security_answer SAMLResponse dbpass").split(" ");
  for (let i = 0; i < secretWords.length; i++) {
    const w = String.UTF8.encode(secretWords[i]);
    if (!names.hinted(changetype<usize>(w), w.byteLength)) log(LogLevel.Warn, `text word ${secretWords[i]} holds no hint pair`);
  }
  log(LogLevel.Info, `done ${texts}`);
  return 1;
}
