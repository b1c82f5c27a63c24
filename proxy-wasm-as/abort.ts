// AssemblyScript calls abort() on a failed assertion, a bounds check or an explicit throw.
// Envoy offers no `env.abort`, so the build points AssemblyScript's abort here (asconfig "use"):
// the message goes to the proxy's log at critical level, then the module traps, which the
// host treats as a VM failure (fail open or closed per the plugin's policy).
import { proxy_log } from "./imports";

const CRITICAL: u32 = 5;

export function guestAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  let text = "abort: " + (message !== null ? message : "(no message)");
  if (fileName !== null) text += " at " + fileName + ":" + line.toString() + ":" + column.toString();
  const bytes = String.UTF8.encode(text);
  proxy_log(CRITICAL, changetype<usize>(bytes), bytes.byteLength);
  unreachable();
}
