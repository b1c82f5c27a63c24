#!/usr/bin/env bash
# The proxy-overhead bench with real Envoy: the same GET through Envoy with no Wasm filter, with the
# no-op guest, and with the redtail filter, at a fixed rate, a fresh Envoy for each run, variants
# interleaved (the order rotates each round); then one table with the median and spread of each
# figure. Needs Docker with compose, curl and Node (to build the filter). Not run where redtail is
# developed (no Docker there): see README.md.
#   benches/envoy/run.sh                       # 3 rounds, 30 s each, 2000 requests/s
#   ROUNDS=5 SECONDS_EACH=60 QPS=0 benches/envoy/run.sh   # QPS=0: as fast as Envoy goes
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="$HERE/out"
ROUNDS="${ROUNDS:-3}"
SECONDS_EACH="${SECONDS_EACH:-30}"
QPS="${QPS:-2000}"
CONNECTIONS="${CONNECTIONS:-16}"
ADMIN="http://127.0.0.1:${ENVOY_ADMIN_PORT:-9901}"
VARIANTS=(none noop redtail)
# The same request as the in-repo overhead bench: what the filter captures and redacts.
URL='http://envoy:10000/orders/42?page=2&sort=desc&token=tok-secret-9f8e'
HEADERS=(
  -H 'authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzb2FrIn0.c2lnbmF0dXJl'
  -H 'cookie: session=sid-0a1b2c3d4e5f; theme=dark'
  -H 'accept: application/json'
  -H 'x-forwarded-proto: https'
)

# A token for this run only: the collector requires one off loopback, and the filter sends it.
REDTAIL_BENCH_TOKEN="envoy-bench-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
export REDTAIL_BENCH_TOKEN
compose() { docker compose -f "$HERE/compose.yaml" "$@"; }

cd "$ROOT"
[ -f build/filter.wasm ] && [ -f build/guests/noop.wasm ] && [ -f dist/benches/envoy/configs.js ] || npm run build
rm -rf "$OUT"
node dist/benches/envoy/configs.js "$OUT" "$REDTAIL_BENCH_TOKEN" >/dev/null

trap 'compose --profile load down --volumes --remove-orphans >/dev/null 2>&1 || true' EXIT
compose build collector
compose up -d upstream collector

# Envoy's CPU time in microseconds, from its container's cgroup (v2 cpu.stat, else v1 cpuacct).
envoy_cpu_usec() {
  compose exec -T envoy sh -c 'if [ -f /sys/fs/cgroup/cpu.stat ]; then sed -n "s/^usage_usec //p" /sys/fs/cgroup/cpu.stat; else echo $(( $(cat /sys/fs/cgroup/cpuacct/cpuacct.usage) / 1000 )); fi'
}
# Envoy's resident memory now and at its peak, in KiB (VmRSS, VmHWM of the envoy process).
envoy_rss_kib() {
  compose exec -T envoy sh -c 'for p in /proc/[0-9]*; do if [ "$(cat $p/comm 2>/dev/null)" = envoy ]; then
    echo $(sed -n "s/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p" $p/status) $(sed -n "s/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p" $p/status); break; fi; done'
}

for round in $(seq 1 "$ROUNDS"); do
  # Rotate the order each round, so no variant always runs first or last.
  shift_by=$(( (round - 1) % ${#VARIANTS[@]} ))
  order=("${VARIANTS[@]:$shift_by}" "${VARIANTS[@]:0:$shift_by}")
  for variant in "${order[@]}"; do
    echo "round $round/$ROUNDS: $variant" >&2
    VARIANT="$variant" compose up -d --no-deps --force-recreate envoy >/dev/null
    for _ in $(seq 1 100); do curl -fs "$ADMIN/ready" >/dev/null 2>&1 && break; sleep 0.2; done
    curl -fs "$ADMIN/ready" >/dev/null || { echo "envoy ($variant) never became ready:" >&2; compose logs envoy >&2; exit 1; }
    # Warm-up: connections, the VMs' first calls, the collector's first batches.
    compose run --rm --no-deps -T load load -qps "$QPS" -c "$CONNECTIONS" -t 5s "${HEADERS[@]}" "$URL" >/dev/null 2>&1
    before=$(envoy_cpu_usec)
    compose run --rm --no-deps -T load load -qps "$QPS" -c "$CONNECTIONS" -t "${SECONDS_EACH}s" -p "50,90,99,99.9" -json - "${HEADERS[@]}" "$URL" \
      > "$OUT/fortio-$variant-$round.json" 2>/dev/null
    after=$(envoy_cpu_usec)
    read -r rss hwm <<<"$(envoy_rss_kib)"
    printf '{"variant":"%s","round":%d,"cpu_usec":%d,"rss_kib":%d,"hwm_kib":%d}\n' "$variant" "$round" "$((after - before))" "$rss" "$hwm" > "$OUT/cost-$variant-$round.json"
    if [ "$variant" = redtail ]; then
      curl -fs "$ADMIN/stats?filter=redtail_batch" | sed 's/^/  /' >&2 || true
    fi
  done
done

node dist/benches/envoy/table.js "$OUT"
