#!/usr/bin/env bash
# The burst experiment of the Particle paper (SoCC 2020) on one machine: N pods start at once with C
# clients, and we measure how long until every one of them is reachable, for four systems in the same
# run, with ratios against the reference:
#   ref     the reference bridge + host-local plugins (Debian containernetworking-plugins), CNI 1.0.0
#   empty   particle + particled, no endpoint pool (every ADD takes the cold path)
#   warm    particle + particled with a warm endpoint pool (sized for the burst, full before it starts)
#   claim   particled's pre-wired namespace pool: `particlectl claim` instead of netns + ADD
#   prev    with --baseline-bin DIR: particle + particled of an earlier build (e.g. the bridge release),
#           no endpoint pool, for before/after figures from the same run
# Each (N, C) runs twice: "netns" includes `ip netns add` in every pod's start-up (as a runtime that
# makes the namespace right before ADD), "pre" creates the namespaces before the clock starts. A claim
# needs no namespace from the runtime, so it is the same in both (measured in both).
#
#   scripts/bench.sh [--quick] [--sizes "100 500 1000"] [--concurrency "1 8 32"] [--systems "ref empty warm claim"]
#                    [--variants "netns pre"] [--sequential-max N] [--out DIR] [--no-build]
#     --quick        CI smoke: sizes 20, concurrency "1 8"; asserts correctness only (every ADD/claim
#                    succeeds, distinct addresses, every pod answers ping, every DEL succeeds, nothing
#                    left behind: links, addresses, namespaces); exit 0 when all of that holds
#     --sequential-max N   run C=1 only for bursts of at most N pods (default: no limit); one client
#                    for 1000 pods takes most of an hour on 2 cores
#     --out DIR      where bench-raw.csv, bench-summary.csv, bench-table.txt and bench-startup.png go
#                    (default artifacts/bench)
#     --no-build     use the binaries already in PARTICLE_BIN_DIR (default artifacts/bin)
#     --baseline-bin DIR   binaries of an earlier build (particle, particled, particlectl) run as system
#                    "prev" (added to --systems unless that is given); its node config uses the key
#                    "bridge" for the device name, which every release accepts
#
# Per pod a client (one `bash` started by `xargs -P C` inside the node namespace) records: the
# `ip netns add` time, the plugin (or particlectl claim) time, and the moment the node first gets a
# ping reply from the pod's address. Burst wall time = last pod reachable - burst start. Then DEL (or
# particlectl release) of every pod with the same concurrency, timed per call. p50/p99 are nearest-rank.
# Also: particled's RSS with N endpoints attached (warm system, largest N) and the plugin's peak RSS
# (/usr/bin/time -f %M on one ADD).
#
# Kernel limits met at this scale (all systems alike; found by this bench): a Linux bridge takes at most
# 1023 ports (EXFULL past that), so a network's pods plus its pre-wired namespaces stay below that; one
# ARP broadcast is flooded to every port, and with ~1000 veth ports the copies overflow the receive
# backlog (net.core.netdev_max_backlog, 1000) so the last ports never see it, and ~2 neighbour entries per
# pod pass the kernel-wide ARP table limit (net.ipv4.neigh.default.gc_thresh3, 1024). For bursts of more
# than 200 pods the bench raises those two limits (never lowers them) and puts the old values back on exit.
#
# Must run as root. Safety: every network object lives in network namespaces this script creates, named
# pbn-<pid>-*; nothing is added to the root namespace; the only traffic is ping from a node namespace
# to its own pods. The EXIT trap stops the daemons it started (by PID), deletes every pbn-<pid>-
# namespace, unmounts the namespace pool's pins and removes the temp dir.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
repo=$PWD

sizes="100 500 1000"
concurrency="1 8 32"
systems="ref empty warm claim"
systems_given=0
baseline_bin=
variants="netns pre"
out_dir=$repo/artifacts/bench
build=1
quick=0
sequential_max=0
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1; sizes=20; concurrency="1 8"; shift ;;
    --sizes) sizes=${2:?}; shift 2 ;;
    --concurrency) concurrency=${2:?}; shift 2 ;;
    --systems) systems=${2:?}; systems_given=1; shift 2 ;;
    --variants) variants=${2:?}; shift 2 ;;
    --out) out_dir=${2:?}; shift 2 ;;
    --sequential-max) sequential_max=${2:?}; shift 2 ;;
    --no-build) build=0; shift ;;
    --baseline-bin) baseline_bin=${2:?}; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done
if [ -n "$baseline_bin" ]; then
  for f in particle particled particlectl; do
    [ -x "$baseline_bin/$f" ] || { echo "bench.sh: --baseline-bin $baseline_bin has no $f" >&2; exit 2; }
  done
  [ "$systems_given" = 1 ] || systems="$systems prev"
fi
for n in $sizes; do
  if ! [[ $n =~ ^[0-9]+$ ]] || [ "$n" -lt 1 ] || [ "$n" -gt 2000 ]; then echo "bench.sh: sizes must be in 1..2000, got '$n'" >&2; exit 2; fi
done
for c in $concurrency; do
  if ! [[ $c =~ ^[0-9]+$ ]] || [ "$c" -lt 1 ] || [ "$c" -gt 128 ]; then echo "bench.sh: concurrency must be in 1..128, got '$c'" >&2; exit 2; fi
done
for s in $systems; do case $s in ref|empty|warm|claim) ;; prev) [ -n "$baseline_bin" ] || { echo "bench.sh: system prev needs --baseline-bin" >&2; exit 2; } ;; *) echo "bench.sh: unknown system '$s'" >&2; exit 2 ;; esac; done
for v in $variants; do case $v in netns|pre) ;; *) echo "bench.sh: unknown variant '$v'" >&2; exit 2 ;; esac; done
if [ "$(id -u)" != 0 ]; then
  echo "bench.sh must run as root (it creates network namespaces)" >&2
  exit 1
fi
case $out_dir in /*) ;; *) out_dir=$PWD/$out_dir ;; esac
max_n=0
for n in $sizes; do [ "$n" -gt "$max_n" ] && max_n=$n; done

prefix=pbn-$$
bin_dir=${PARTICLE_BIN_DIR:-$repo/artifacts/bin}
ref_dir=/usr/lib/cni
tmp=
declare -A daemon_pid=()
declare -A saved_sysctl=()

stop_daemon() {
  local pid=${daemon_pid[$1]:-} i
  [ -n "$pid" ] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
  fi
  wait "$pid" 2>/dev/null || true
  daemon_pid[$1]=
}

cleanup() {
  local rc=$? ns s pin
  trap - EXIT INT TERM
  set +e
  for s in "${!daemon_pid[@]}"; do stop_daemon "$s"; done
  if [ -n "$tmp" ] && [ -d "$tmp/claim/pool" ]; then
    for pin in "$tmp"/claim/pool/*; do [ -e "$pin" ] && umount -l "$pin" 2>/dev/null; rm -f "$pin"; done
  fi
  ip netns list 2>/dev/null | awk '{print $1}' | grep "^$prefix-" | xargs -r -P 4 -n 16 sh -c 'for n; do ip netns del "$n"; done' sh 2>/dev/null
  [ -n "$tmp" ] && rm -rf "$tmp"
  for s in "${!saved_sysctl[@]}"; do sysctl -q -w "$s=${saved_sysctl[$s]}"; done
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

tmp=$(mktemp -d "/tmp/$prefix-XXXXXX")
mkdir -p "$out_dir"

# raise_sysctl KEY VALUE: sets KEY to VALUE when it is lower, remembering the old value for the exit trap.
raise_sysctl() {
  local old
  old=$(sysctl -n "$1")
  if [ "$old" -lt "$2" ]; then saved_sysctl[$1]=$old; sysctl -q -w "$1=$2"; echo "bench: $1 raised from $old to $2 for this run"; fi
}
if [ "$max_n" -gt 200 ]; then
  raise_sysctl net.core.netdev_max_backlog $((max_n * 4))
  raise_sysctl net.ipv4.neigh.default.gc_thresh2 $((max_n * 4))
  raise_sysctl net.ipv4.neigh.default.gc_thresh3 $((max_n * 8))
fi

# ---------------------------------------------------------------- dependencies and binaries
bash scripts/install-deps.sh
if [ "$build" = 1 ]; then
  echo "building (scripts/build.sh) ..."
  if ! PARTICLE_BIN_DIR=$bin_dir bash scripts/build.sh >"$tmp/build.log" 2>&1; then
    cat "$tmp/build.log" >&2
    echo "bench.sh: scripts/build.sh failed" >&2
    exit 1
  fi
fi
for f in "$bin_dir/particle" "$bin_dir/particled" "$bin_dir/particlectl" "$ref_dir/bridge" "$ref_dir/host-local"; do
  [ -x "$f" ] || { echo "bench.sh: missing $f (run scripts/build.sh, or drop --no-build)" >&2; exit 1; }
done

failures=0
fail() { failures=$((failures + 1)); echo "  FAIL $*" >&2; }

# ---------------------------------------------------------------- the client scripts
# start.sh SYSTEM VARIANT RUN I: one pod's start-up, inside the node namespace. Appends
# "<i> <rc> <netns ns> <add ns> <ready epoch ns> <address> <netns path>" to $OUT/start.
cat >"$tmp/start.sh" <<'EOF'
#!/usr/bin/env bash
set -u
sys=$1 variant=$2 run=$3 i=$4
ns=$PREFIX-r$run-p$i path=/run/netns/$PREFIX-r$run-p$i
t_ns=0 rc=0 addr=-
if [ "$sys" = claim ]; then
  t0=$EPOCHREALTIME
  "$CTL" --socket "$SOCK" claim --network "$NET" >"$OUT/add-$i.out" 2>"$OUT/add-$i.err"; rc=$?
  t1=$EPOCHREALTIME
  [[ $(<"$OUT/add-$i.out") =~ \"netns\":\ *\"([^\"]+)\" ]] && path=${BASH_REMATCH[1]}
else
  if [ "$variant" = netns ]; then
    t0=$EPOCHREALTIME
    ip netns add "$ns" || rc=90
    t1=$EPOCHREALTIME
    t_ns=$(( (${t1/./} - ${t0/./}) * 1000 ))
  fi
  t0=$EPOCHREALTIME
  if [ "$rc" = 0 ]; then
    CNI_COMMAND=ADD CNI_CONTAINERID=$PREFIX-r$run-c$i CNI_NETNS=$path CNI_IFNAME=eth0 CNI_PATH=$CNI_PATH_DIR \
      "$PLUGIN" <"$CONF" >"$OUT/add-$i.out" 2>"$OUT/add-$i.err"; rc=$?
  fi
  t1=$EPOCHREALTIME
fi
t_add=$(( (${t1/./} - ${t0/./}) * 1000 ))
ready=0
if [ "$rc" = 0 ] && [[ $(<"$OUT/add-$i.out") =~ \"address\":\ *\"([0-9.]+)/ ]]; then
  addr=${BASH_REMATCH[1]}
  for try in 1 2 3 4 5; do
    if ping -c1 -W1 -q "$addr" >/dev/null 2>&1; then ready=$EPOCHREALTIME; ready=$(( ${ready/./} * 1000 )); break; fi
  done
  [ "$ready" = 0 ] && rc=91
elif [ "$rc" = 0 ]; then
  rc=92
fi
echo "$i $rc $t_ns $t_add $ready $addr $path" >>"$OUT/start"
EOF

# stop.sh SYSTEM RUN I NETNS: one pod's DEL (or release); appends "<i> <rc> <del ns>" to $OUT/stop.
cat >"$tmp/stop.sh" <<'EOF'
#!/usr/bin/env bash
set -u
sys=$1 run=$2 i=$3 path=$4
t0=$EPOCHREALTIME
if [ "$sys" = claim ]; then
  "$CTL" --socket "$SOCK" release --netns "$path" >"$OUT/del-$i.out" 2>"$OUT/del-$i.err"; rc=$?
else
  CNI_COMMAND=DEL CNI_CONTAINERID=$PREFIX-r$run-c$i CNI_NETNS=$path CNI_IFNAME=eth0 CNI_PATH=$CNI_PATH_DIR \
    "$PLUGIN" <"$CONF" >"$OUT/del-$i.out" 2>"$OUT/del-$i.err"; rc=$?
fi
t1=$EPOCHREALTIME
echo "$i $rc $(( (${t1/./} - ${t0/./}) * 1000 ))" >>"$OUT/stop"
EOF

# ---------------------------------------------------------------- the systems
# Each system has a node namespace pbn-<pid>-<sys>; particle systems a particled of their own in it
# (nsenter --net keeps it in the host mount namespace, so the namespace pool's pins are visible).
declare -A subnet=([ref]=10.201.0.0/20 [empty]=10.202.0.0/20 [warm]=10.203.0.0/20 [claim]=10.204.0.0/20 [prev]=10.205.0.0/20)
declare -A label=([ref]="bridge+host-local" [empty]="particle (empty pool)" [warm]="particle (warm pool)" [claim]="pre-wired claim"
  [prev]="particle, earlier build (empty pool)")
# bins SYSTEM: the folder of the particle binaries SYSTEM runs.
bins() { if [ "$1" = prev ]; then echo "$baseline_bin"; else echo "$bin_dir"; fi; }
pool_size=$((max_n + max_n / 4 + 8))

start_system() {
  local s=$1 dir=$tmp/$1 node=$prefix-$1 i
  mkdir -p "$dir"
  ip netns add "$node"
  ip -n "$node" link set lo up
  if [ "$s" = ref ]; then
    mkdir -p "$dir/host-local"
    jq -cn --arg dir "$dir/host-local" --arg subnet "${subnet[ref]}" '{cniVersion: "1.0.0", name: "benchref", type: "bridge",
      bridge: "pbr0", isGateway: true, ipam: {type: "host-local", ranges: [[{subnet: $subnet}]], dataDir: $dir}}' >"$dir/plugin.conf"
    return 0
  fi
  local pools='{}'
  case $s in
    warm) pools=$(jq -cn --argjson n "$pool_size" '{endpointPool: {target: $n, min: $n, max: $n, refillBatch: 64, idleShrinkSeconds: 0}}') ;;
    claim) pools=$(jq -cn --argjson n "$max_n" --arg folder "$dir/pool" '{namespacePool: {size: $n, folder: $folder}}') ;;
  esac
  jq -n --arg state "$dir/state" --arg sock "$dir/particled.sock" --arg subnet "${subnet[$s]}" --arg br "pb${s:0:2}0" \
    --argjson pools "$pools" '{stateDir: $state, socketPath: $sock, pendingDeleteScanSeconds: 5,
    networks: [{name: "bench", subnet: $subnet, bridge: $br, mtu: 1500} + $pools]}' >"$dir/particled.json"
  jq -cn --arg state "$dir/state" --arg sock "$dir/particled.sock" '{cniVersion: "1.0.0", name: "bench",
    type: "particle", socket: $sock, stateDir: $state}' >"$dir/plugin.conf"
  nsenter --net="/run/netns/$node" "$(bins "$s")/particled" --config "$dir/particled.json" >"$dir/particled.log" 2>&1 &
  daemon_pid[$s]=$!
  for ((i = 0; i < 100; i++)); do
    [ -S "$dir/particled.sock" ] && return 0
    kill -0 "${daemon_pid[$s]}" 2>/dev/null || break
    sleep 0.1
  done
  sed 's/^/    particled: /' "$dir/particled.log" >&2
  fail "[$s] particled did not start"
  return 1
}

# status SYSTEM: particled's NODESTATUS of the bench network, as JSON.
status() { "$(bins "$1")/particlectl" --socket "$tmp/$1/particled.sock" status --json | jq -c '.[0]'; }

# wait_ready SYSTEM: the pools are full and nothing retired waits for deletion (bounded: 120 s).
wait_ready() {
  local s=$1 i st
  [ "$s" = ref ] && return 0
  for ((i = 0; i < 1200; i++)); do
    st=$(status "$s") || { sleep 0.1; continue; }
    if jq -e '(.endpointPool == null or (.endpointPool.free >= .endpointPool.target and .endpointPool.filling == 0))
        and (.namespacePool == null or (.namespacePool.free == .namespacePool.size and .namespacePool.filling == 0))
        and ((.retiredPending // 0) == 0)' <<<"$st" >/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  fail "[$s] pools not ready after 120 s: $st"
  return 1
}

# check_clean SYSTEM: nothing of the burst is left: no pod veth on the node, no address held by a pod.
check_clean() {
  local s=$1 node=$prefix-$1 left st
  left=$(ip -n "$node" -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -cE '^(veth|pc|pz)' || true)
  if [ "$s" = claim ]; then
    # the pool's own free namespaces keep their veths (pc*): exactly one per free pooled namespace
    st=$(status claim)
    left=$(( left - $(jq '.namespacePool.free' <<<"$st") ))
    [ "$(jq '.namespacePool.claimed' <<<"$st")" = 0 ] || fail "[claim] namespaces still claimed after release: $st"
  elif [ "$s" != ref ]; then
    st=$(status "$s")
    [ "$(jq '.attachmentsInUse' <<<"$st")" = 0 ] || fail "[$s] addresses still held by pods after DEL: $st"
  else
    local held
    held=$(find "$tmp/ref/host-local" -type f -name '10.*' | wc -l)
    [ "$held" = 0 ] || fail "[ref] host-local still holds $held address(es) after DEL"
  fi
  [ "$left" = 0 ] || fail "[$s] $left pod veth(s) left on the node after DEL"
}

# ---------------------------------------------------------------- one burst
stats() {  # stats FILE COLUMN -> "<n> <p50 ms> <p99 ms>" of nanosecond values; "0 - -" when none
  awk -v c="$2" '{print $c}' "$1" 2>/dev/null | sort -n | awk '
    { v[NR] = $1 }
    END {
      if (NR == 0) { print "0 - -"; exit }
      r50 = int(0.5 * NR); if (r50 < 0.5 * NR) r50++; if (r50 < 1) r50 = 1
      r99 = int(0.99 * NR); if (r99 < 0.99 * NR) r99++; if (r99 < 1) r99 = 1
      printf "%d %.2f %.2f\n", NR, v[r50] / 1e6, v[r99] / 1e6
    }'
}

run=0
summary=$out_dir/bench-summary.csv
raw=$out_dir/bench-raw.csv
echo "system,variant,pods,concurrency,ok,add_p50_ms,add_p99_ms,netns_p50_ms,del_p50_ms,del_p99_ms,wall_s,pods_per_s" >"$summary"
echo "system,variant,pods,concurrency,pod,rc,netns_ms,add_ms,ready_ms,del_ms" >"$raw"
declare -A W  # W[sys.variant.n.c] = wall seconds, and ADD/DEL p50 for ratios

# daemon_cpu_ticks SYSTEM: utime + stime of SYSTEM's particled in clock ticks (empty for the reference).
daemon_cpu_ticks() {
  local pid=${daemon_pid[$1]:-}
  [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 0
  awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat"
}

burst() {  # burst SYSTEM VARIANT N C
  local s=$1 v=$2 n=$3 c=$4 dir node=$prefix-$1 t0 i rc n_ok add_n add50 add99 ns_n ns50 ns99 del_n del50 del99 wall last
  run=$((run + 1))
  dir=$tmp/$s/run$run
  mkdir -p "$dir"
  : >"$dir/start"; : >"$dir/stop"
  wait_ready "$s" || return 0
  if [ "$v" = pre ] && [ "$s" != claim ]; then
    seq 1 "$n" | sed "s/^/$prefix-r$run-p/" | xargs -P 4 -n 16 sh -c 'for n; do ip netns add "$n"; done' sh
  fi
  export PREFIX=$prefix OUT=$dir CTL=$(bins "$s")/particlectl SOCK=$tmp/$s/particled.sock NET=bench CONF=$tmp/$s/plugin.conf
  if [ "$s" = ref ]; then export PLUGIN=$ref_dir/bridge CNI_PATH_DIR=$ref_dir; else export PLUGIN=$(bins "$s")/particle CNI_PATH_DIR=$(bins "$s"); fi
  local cpu0
  cpu0=$(daemon_cpu_ticks "$s")
  t0=$EPOCHREALTIME; t0=$(( ${t0/./} * 1000 ))
  seq 1 "$n" | timeout --foreground $((120 + n * 2)) nsenter --net="/run/netns/$node" xargs -P "$c" -n 1 bash "$tmp/start.sh" "$s" "$v" "$run" \
    || fail "[$s $v N=$n C=$c] start-up burst did not finish"
  # particled's RSS with every pod of the largest burst attached
  if [ "$s" = warm ] && [ "$n" = "$max_n" ] && [ -z "${rss_kb:-}" ]; then
    rss_kb=$(awk '/^VmRSS/ {print $2}' "/proc/${daemon_pid[warm]}/status")
    rss_pods=$n
  fi
  n_ok=$(awk '$2 == 0' "$dir/start" | wc -l)
  while read -r i rc _ _ _ addr _; do
    [ "$rc" = 0 ] || fail "[$s $v N=$n C=$c] pod $i: rc $rc ($(head -c 200 "$dir/add-$i.out" 2>/dev/null) $(head -c 200 "$dir/add-$i.err" 2>/dev/null))"
  done <"$dir/start"
  [ "$(wc -l <"$dir/start")" = "$n" ] || fail "[$s $v N=$n C=$c] only $(wc -l <"$dir/start") of $n pods reported"
  [ "$(awk '$2 == 0 {print $6}' "$dir/start" | sort | uniq -d | wc -l)" = 0 ] || fail "[$s $v N=$n C=$c] two pods got the same address"
  last=$(awk '$2 == 0 && $5 > m {m = $5} END {printf "%.0f\n", m}' "$dir/start")
  wall=$(awk -v a="$t0" -v b="$last" 'BEGIN { printf "%.3f", (b > a ? b - a : 0) / 1e9 }')

  awk '{print $1, $7}' "$dir/start" | timeout --foreground $((120 + n * 2)) nsenter --net="/run/netns/$node" \
    xargs -P "$c" -n 2 bash "$tmp/stop.sh" "$s" "$run" || fail "[$s $v N=$n C=$c] DEL burst did not finish"
  while read -r i rc _; do [ "$rc" = 0 ] || fail "[$s $v N=$n C=$c] pod $i: DEL rc $rc $(head -c 200 "$dir/del-$i.out")"; done <"$dir/stop"
  if [ -n "$cpu0" ]; then
    # particled's own CPU (user + system, /proc/PID/stat) for the burst's ADDs and DELs, per pod.
    echo "  [$s $v N=$n C=$c] particled CPU: $(awk -v a="$cpu0" -v b="$(daemon_cpu_ticks "$s")" -v n="$n" -v hz="$(getconf CLK_TCK)" \
      'BEGIN { printf "%.2f", (b - a) * 1000 / hz / n }') ms per pod (ADD + DEL)"
  fi
  if [ "$s" != claim ]; then
    seq 1 "$n" | sed "s/^/$prefix-r$run-p/" | xargs -P 4 -n 16 sh -c 'for n; do ip netns del "$n" 2>/dev/null; done' sh
  fi
  wait_ready "$s" && check_clean "$s"

  read -r add_n add50 add99 < <(awk '$2 == 0' "$dir/start" | stats /dev/stdin 4)
  read -r ns_n ns50 ns99 < <(awk '$2 == 0 && $3 > 0' "$dir/start" | stats /dev/stdin 3)
  read -r del_n del50 del99 < <(awk '$2 == 0' "$dir/stop" | stats /dev/stdin 3)
  local rate
  rate=$(awk -v n="$n_ok" -v w="$wall" 'BEGIN { if (w > 0) printf "%.1f", n / w; else print "-" }')
  echo "$s,$v,$n,$c,$n_ok,$add50,$add99,$ns50,$del50,$del99,$wall,$rate" >>"$summary"
  W[$s.$v.$n.$c.wall]=$wall W[$s.$v.$n.$c.add]=$add50 W[$s.$v.$n.$c.add99]=$add99 W[$s.$v.$n.$c.del]=$del50 W[$s.$v.$n.$c.del99]=$del99 W[$s.$v.$n.$c.rate]=$rate
  join -a1 <(sort -k1,1 "$dir/start") <(sort -k1,1 "$dir/stop") | awk -v s="$s" -v v="$v" -v n="$n" -v c="$c" -v t0="$t0" '
    { ready = ($5 > 0) ? ($5 - t0) / 1e6 : ""; del = (NF >= 9) ? $9 / 1e6 : ""
      printf "%s,%s,%d,%d,%d,%d,%.3f,%.3f,%s,%s\n", s, v, n, c, $1, $2, $3 / 1e6, $4 / 1e6, ready, del }' >>"$raw"
  printf '  %-22s %-5s N=%-5s C=%-3s ok %5s  ADD p50 %8s p99 %8s  DEL p50 %8s  wall %8s s  %8s pods/s\n' \
    "${label[$s]}" "$v" "$n" "$c" "$n_ok" "$add50" "$add99" "$del50" "$wall" "$rate"
}

# ---------------------------------------------------------------- run
started=$(date -Is)
echo "bench: $started, kernel $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), sizes [$sizes]," \
  "concurrency [$concurrency], systems [$systems], containernetworking-plugins" \
  "$(dpkg-query -W -f='${Version}' containernetworking-plugins 2>/dev/null || echo '?'), particle $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')"
for s in $systems; do start_system "$s" || exit 1; done

# the plugin's peak RSS: one extra ADD/DEL on the warm (or empty) system, under /usr/bin/time
peak_kb=-
for s in warm empty; do
  [[ " $systems " == *" $s "* ]] || continue
  wait_ready "$s"
  ip netns add "$prefix-rss"
  peak_kb=$(CNI_COMMAND=ADD CNI_CONTAINERID=rss CNI_NETNS=/run/netns/$prefix-rss CNI_IFNAME=eth0 CNI_PATH=$bin_dir \
    nsenter --net="/run/netns/$prefix-$s" /usr/bin/time -f %M "$bin_dir/particle" <"$tmp/$s/plugin.conf" 2>&1 >/dev/null | tail -1)
  CNI_COMMAND=DEL CNI_CONTAINERID=rss CNI_NETNS=/run/netns/$prefix-rss CNI_IFNAME=eth0 CNI_PATH=$bin_dir \
    "$bin_dir/particle" <"$tmp/$s/plugin.conf" >/dev/null 2>&1 || fail "[$s] RSS probe DEL failed"
  ip netns del "$prefix-rss"
  break
done

for n in $sizes; do
  for c in $concurrency; do
    for v in $variants; do
      if [ "$c" = 1 ] && [ "$sequential_max" -gt 0 ] && [ "$n" -gt "$sequential_max" ]; then continue; fi
      for s in $systems; do burst "$s" "$v" "$n" "$c"; done
    done
  done
done

# ---------------------------------------------------------------- table, plot
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.2fx\n", a / b }'; }
{
  echo "ParticleCni burst bench $started  kernel $(uname -r)  cpus $(nproc)  (ms per call; wall = until every pod answers ping)"
  printf '%-22s %-5s %5s %3s %9s %9s %9s %9s %9s %9s %9s %10s %10s\n' system netns N C "ADD p50" "ADD p99" "DEL p50" "DEL p99" "wall s" "pods/s" \
    "ADD/ref" "DEL/ref" "speed/ref"
  for n in $sizes; do for c in $concurrency; do for v in $variants; do for s in $systems; do
    k=$s.$v.$n.$c r=ref.$v.$n.$c
    [ -n "${W[$k.wall]:-}" ] || continue
    printf '%-22s %-5s %5s %3s %9s %9s %9s %9s %9s %9s %9s %10s %10s\n' "${label[$s]}" "$v" "$n" "$c" "${W[$k.add]}" "${W[$k.add99]}" \
      "${W[$k.del]}" "${W[$k.del99]}" "${W[$k.wall]}" "${W[$k.rate]}" "$(ratio "${W[$k.add]}" "${W[$r.add]:--}")" \
      "$(ratio "${W[$k.del]}" "${W[$r.del]:--}")" "$(ratio "${W[$r.wall]:--}" "${W[$k.wall]}")"
  done; done; done; done
  echo "speed/ref = reference wall time / this system's wall time for the same N, C and variant (higher is better)"
  echo "particled RSS with ${rss_pods:-?} pods attached (warm pool): $(awk -v k="${rss_kb:-}" 'BEGIN { if (k == "") print "-"; else printf "%.1f MiB", k / 1024 }')"
  echo "plugin peak RSS (one ADD, /usr/bin/time): $(awk -v k="$peak_kb" 'BEGIN { if (k !~ /^[0-9]+$/) print "-"; else printf "%.1f MiB", k / 1024 }')"
} | tee "$out_dir/bench-table.txt"

if command -v gnuplot >/dev/null && [ "$quick" = 0 ]; then
  c_plot=$(echo "$concurrency" | awk '{print $NF}')
  for s in $systems; do for v in $variants; do
    awk -F, -v s="$s" -v v="$v" -v c="$c_plot" '$1 == s && $2 == v && $4 == c {print $3, $11}' "$summary" | sort -n >"$tmp/plot-$s-$v.dat"
  done; done
  {
    echo "set terminal pngcairo size 1400,560 font ',11'"
    echo "set output '$out_dir/bench-startup.png'"
    echo "set multiplot layout 1,2 title 'Burst start-up: time until every pod answers ping ($c_plot clients, $(nproc) CPUs)'"
    for v in $variants; do
      [ "$v" = netns ] && echo "set title 'with ip netns add per pod'" || echo "set title 'namespaces made before the burst'"
      echo "set xlabel 'pods in the burst'; set ylabel 'seconds'; set key left top; set grid"
      plots=()
      for s in $systems; do plots+=("'$tmp/plot-$s-$v.dat' using 1:2 with linespoints lw 2 title '${label[$s]}'"); done
      (IFS=,; echo "plot ${plots[*]}")
    done
    echo "unset multiplot"
  } >"$tmp/plot.gp"
  gnuplot "$tmp/plot.gp" && echo "plot: $out_dir/bench-startup.png"
fi
echo "raw numbers: $raw; summary: $summary"

for s in $systems; do
  if [ -n "${daemon_pid[$s]:-}" ] && ! kill -0 "${daemon_pid[$s]}" 2>/dev/null; then fail "[$s] particled died during the bench"; fi
done
if [ "$failures" != 0 ]; then
  echo "bench: $failures failure(s)" >&2
  exit 1
fi
echo "bench: every pod started, answered ping and was deleted; nothing left behind"
