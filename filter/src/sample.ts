// Sampling: every 4xx and 5xx is kept; 2xx and 3xx at the configured rate, decided by a hash of
// x-request-id, so every sidecar on a request's path makes the same choice and a kept request
// is kept end to end. A request without an id is kept.

/** FNV-1a, 32 bits, over n bytes at p. */
export function fnv1a(p: usize, n: u32): u32 {
  let h: u32 = 0x811c9dc5;
  for (let i: u32 = 0; i < n; i++) {
    h ^= load<u8>(p + i);
    h *= 0x01000193;
  }
  return h;
}

export function keep(code: u32, rate: f64, idPtr: usize, idLen: u32): bool {
  if (rate >= 1.0 || code >= 400 || code < 200) return true;
  if (idLen == 0) return true;
  return <f64>fnv1a(idPtr, idLen) < rate * 4294967296.0;
}
