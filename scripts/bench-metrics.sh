#!/usr/bin/env bash
# The cost of particled's metrics on the ADD and DEL path: two daemons in one run, one with metrics on
# (the default listener, 127.0.0.1:9651 of its node namespace, scraped every second as Prometheus would,
# only faster) and one with "metrics": {"enabled": false}, called alternately pod by pod so that drift
# on the machine hits both alike. Prints ms per plugin call (p50, mean, p99) for each, the daemon-side
# ADD mean from the histogram, a sample scrape and `particlectl status` taken after the last round's ADDs.
#
#   scripts/bench-metrics.sh [--pods N] [--rounds R] [--scrape-interval S]
#     --pods N             pods per daemon per round (default 100)
#     --rounds R           rounds of N ADDs then N DELs on each daemon (default 4)
#     --scrape-interval S  seconds between scrapes of the "on" daemon during its rounds (default 1)
#     --no-micro           skip the in-process measurement (bench/MetricsCost, built with dotnet): what
#                          the instrumentation adds per request, exporter attached or not, in ns
# Uses the binaries already built (PARTICLE_BIN_DIR, default artifacts/bin); run scripts/build.sh first.
#
# Must run as root. Every network object lives in namespaces named pmb-<pid>-...; the EXIT trap stops both
# daemons (by PID), deletes those namespaces and the temp folder.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

pods=100
rounds=4
scrape_interval=1
micro=1
while [ $# -gt 0 ]; do
  case $1 in
    --pods) pods=${2:?}; shift 2 ;;
    --rounds) rounds=${2:?}; shift 2 ;;
    --scrape-interval) scrape_interval=${2:?}; shift 2 ;;
    --no-micro) micro=0; shift ;;
    -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) echo "bench-metrics.sh: unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done
[[ $pods =~ ^[0-9]+$ ]] && [ "$pods" -ge 1 ] && [ "$pods" -le 2000 ] || { echo "--pods must be 1..2000" >&2; exit 2; }
[[ $rounds =~ ^[0-9]+$ ]] && [ "$rounds" -ge 1 ] && [ "$rounds" -le 50 ] || { echo "--rounds must be 1..50" >&2; exit 2; }
[[ $scrape_interval =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "--scrape-interval must be a number of seconds" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "bench-metrics.sh must run as root (it creates network namespaces)" >&2; exit 1; }

bin=${PARTICLE_BIN_DIR:-$PWD/artifacts/bin}
for f in particle particled particlectl; do
  [ -x "$bin/$f" ] || { echo "bench-metrics.sh: $bin/$f is missing: run scripts/build.sh first" >&2; exit 1; }
done
command -v curl >/dev/null && command -v jq >/dev/null || bash scripts/install-deps.sh

prefix=pmb-$$
tmp=$(mktemp -d "/tmp/$prefix-XXXXXX")
declare -A pid
scraper=

cleanup() {
  local rc=$? key ns i
  trap - EXIT INT TERM
  set +e
  [ -n "$scraper" ] && kill "$scraper" 2>/dev/null
  for key in "${!pid[@]}"; do
    kill -TERM "${pid[$key]}" 2>/dev/null
    for ((i = 0; i < 50; i++)); do kill -0 "${pid[$key]}" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "${pid[$key]}" 2>/dev/null
  done
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$prefix-"); do ip netns del "$ns" 2>/dev/null; done
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start KEY SUBNET METRICS_JSON: a node namespace with particled in it.
start() {
  local key=$1 subnet=$2 metrics=$3 node=$prefix-$1 dir=$tmp/$1 i
  mkdir -p "$dir/state" "$dir/out"
  ip netns add "$node"
  ip -n "$node" link set lo up
  jq -n --arg state "$dir/state" --arg sock "$dir/s.sock" --arg subnet "$subnet" --argjson metrics "$metrics" \
    '{stateDir: $state, socketPath: $sock, metrics: $metrics, networks: [{name: "bench", subnet: $subnet, bridge: "pmb0"}]}' >"$dir/node.json"
  jq -cn --arg state "$dir/state" --arg sock "$dir/s.sock" \
    '{cniVersion: "1.0.0", name: "bench", type: "particle", socket: $sock, stateDir: $state}' >"$dir/plugin.conf"
  nsenter --net="/run/netns/$node" "$bin/particled" --config "$dir/node.json" >"$dir/particled.log" 2>&1 &
  pid[$key]=$!
  for ((i = 0; i < 100; i++)); do [ -S "$dir/s.sock" ] && return 0; sleep 0.1; done
  echo "particled ($key) did not start:" >&2
  cat "$dir/particled.log" >&2
  exit 1
}

# The timing loop, one bash: for each pod, the same verb on both daemons back to back, the order flipped
# from pod to pod, so whatever else the machine does hits "on" and "off" alike. "<key> <verb> <rc> <ns>".
# (The plugin only talks to the daemon's socket; where it runs does not matter for the measurement.)
cat >"$tmp/harness.sh" <<'INNER'
set -u
verb=$1 plugin=$2 pods=$3 cid=$4 tmp=$5 times=$6
for ((i = 1; i <= pods; i++)); do
  if (( i % 2 )); then order="on off"; else order="off on"; fi
  for key in $order; do
    t0=$EPOCHREALTIME
    CNI_COMMAND=$verb CNI_CONTAINERID=$cid$key-$i CNI_NETNS=/run/netns/$cid$key-$i CNI_IFNAME=eth0 CNI_PATH=${plugin%/*} \
      "$plugin" <"$tmp/$key/plugin.conf" >"$tmp/$key/out/$verb-$i.out" 2>&1
    rc=$?
    t1=$EPOCHREALTIME
    echo "$key $verb $rc $(( (${t1/./} - ${t0/./}) * 1000 ))" >>"$times"
  done
done
INNER

# round R: pod namespaces for both daemons, N ADD pairs, (status and a scrape in the last round), N DEL
# pairs, namespaces removed.
round() {
  local r=$1 i key cid=$prefix-r$1-
  for ((i = 1; i <= pods; i++)); do ip netns add "${cid}on-$i"; ip netns add "${cid}off-$i"; done
  timeout $((60 + pods)) bash "$tmp/harness.sh" ADD "$bin/particle" "$pods" "$cid" "$tmp" "$tmp/times"
  if [ "$r" = "$rounds" ]; then
    "$bin/particlectl" --socket "$tmp/on/s.sock" status >"$tmp/on/status.txt"
    ip netns exec "$prefix-on" curl -s --max-time 5 http://127.0.0.1:9651/metrics >"$tmp/on/scrape.txt"
  fi
  timeout $((60 + pods)) bash "$tmp/harness.sh" DEL "$bin/particle" "$pods" "$cid" "$tmp" "$tmp/times"
  for ((i = 1; i <= pods; i++)); do ip netns del "${cid}on-$i"; ip netns del "${cid}off-$i"; done
}

# stats KEY VERB: "n p50 mean p99" in ms of the successful calls.
stats() {
  awk -v k="$1" -v v="$2" '$1 == k && $2 == v && $3 == 0 {print $4}' "$tmp/times" | sort -n | awk '
    { x[NR] = $1; s += $1 }
    END {
      if (NR == 0) { print "0 - - -"; exit }
      med = (NR % 2) ? x[(NR + 1) / 2] : (x[NR / 2] + x[NR / 2 + 1]) / 2
      r = int(0.99 * NR); if (r < 0.99 * NR) r++
      printf "%d %.3f %.3f %.3f\n", NR, med / 1e6, s / NR / 1e6, x[r] / 1e6
    }'
}

start on 10.211.0.0/16 '{"address": "127.0.0.1:9651"}'
start off 10.212.0.0/16 '{"enabled": false}'
ip netns exec "$prefix-on" curl -sf --max-time 5 http://127.0.0.1:9651/readyz >/dev/null || { echo "the metrics daemon is not ready" >&2; exit 1; }
# Scrapes of the "on" daemon all through the run, bounded by the run itself (killed at the end).
ip netns exec "$prefix-on" bash -c "while true; do curl -s --max-time 5 -o /dev/null http://127.0.0.1:9651/metrics; sleep $scrape_interval; done" &
scraper=$!

echo "bench-metrics: $(date -Is), kernel $(uname -r), $(nproc) CPUs, $rounds round(s) x $pods pods per daemon, scrape every ${scrape_interval}s, particle $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
for ((r = 1; r <= rounds; r++)); do
  echo "round $r"
  round "$r"
done
kill "$scraper" 2>/dev/null; wait "$scraper" 2>/dev/null || true; scraper=

failed=$(awk '$3 != 0' "$tmp/times" | wc -l)
echo
printf '%-12s %6s %9s %9s %9s   %6s %9s %9s %9s\n' metrics "ADDs" "ADD p50" "ADD mean" "ADD p99" "DELs" "DEL p50" "DEL mean" "DEL p99"
for key in on off; do
  read -r an ap am a99 < <(stats "$key" ADD)
  read -r dn dp dm d99 < <(stats "$key" DEL)
  printf '%-12s %6s %9s %9s %9s   %6s %9s %9s %9s\n' "$key" "$an" "$ap" "$am" "$a99" "$dn" "$dp" "$dm" "$d99"
done
echo "(ms per plugin call, wall clock around the particle process; failed calls: $failed)"
awk '/^particle_request_duration_seconds_(sum|count)\{verb="ADD"\}/ { split($0, a, " "); if ($0 ~ /_sum/) s = a[2]; else c = a[2] }
     END { if (c > 0) printf "daemon-side ADD mean (histogram sum/count, metrics on): %.3f ms over %d ADDs\n", s / c * 1000, c }' "$tmp/on/scrape.txt"
echo
echo "--- sample scrape (metrics on, after the last round's ADDs; request series for ADD and DEL, gauges) ---"
grep -E '^particle_(requests_total|request_duration_seconds_(sum|count)|addresses|process_open_fds|process_resident_memory_bytes|dotnet_gc_heap_bytes)' "$tmp/on/scrape.txt" \
  | grep -vE 'verb="(NODESTATUS|EVENTS)"'
grep -E '^particle_request_duration_seconds_bucket\{verb="ADD"' "$tmp/on/scrape.txt"
echo
echo "--- particlectl status (metrics on, after the last round's ADDs) ---"
cat "$tmp/on/status.txt"

if [ "$micro" = 1 ]; then
  echo
  echo "--- in process: RequestMetrics.Served per request (bench/MetricsCost, 1,000,000 requests, twice each) ---"
  dotnet build -c Release bench/MetricsCost --nologo -v quiet -clp:NoSummary >"$tmp/micro-build.log" 2>&1 || { cat "$tmp/micro-build.log" >&2; exit 1; }
  dll=${PARTICLE_BUILD_DIR:-$PWD/.build}/bin/MetricsCost/release/MetricsCost.dll
  ip netns add "$prefix-micro"
  ip -n "$prefix-micro" link set lo up
  for i in 1 2; do
    dotnet "$dll" off 1000000
    ip netns exec "$prefix-micro" dotnet "$dll" on 1000000
  done
fi
[ "$failed" = 0 ]
