#!/usr/bin/env bash
# Benchmarks sequential pod ADD and DEL latency of ParticleCni against the reference CNI plugins, in one
# run on this machine, and prints one table with ratios against the reference:
#   ref       bridge + host-local from /usr/lib/cni (Debian containernetworking-plugins), CNI 1.0.0
#   particle  artifacts/bin/particle + particled
# Also prints the particle binary size and its VERSION start-up time next to the reference bridge's.
#
#   scripts/bench.sh [--pods N] [--out FILE] [--keep-going] [--no-build]
#     --pods N       pods per contender, created and deleted one after the other (default 100)
#     --out FILE     also write the results as JSON to FILE
#     --keep-going   after a failure (ADD, ping or DEL), go on with the remaining pods and contenders
#                    (default: a contender stops at its first failing ADD and later contenders are
#                    skipped); the exit status is non-zero after any failure either way
#     --no-build     do not run scripts/build.sh; use the binaries already in the binary folder
# PARTICLE_BIN_DIR overrides the binary folder (default artifacts/bin).
#
# Must run as root. Safety: every network object lives in network namespaces this script creates,
# all named pbn-<pid>-...; nothing is added to the root namespace; the only traffic is ping from a
# node namespace to its pods. The EXIT/INT/TERM trap stops the daemon it started (by PID), deletes
# every pbn-<pid>- namespace and removes the temp dir.
#
# How a contender is measured: a "node" namespace simulates the node (the plugin, and particled, run
# there). Pod namespaces are created with `ip netns add` BEFORE timing (that cost is printed apart).
# One bash started inside the node namespace loops over the pods and takes a timestamp
# ($EPOCHREALTIME, no fork) right before and after each plugin process, so only the plugin process is
# timed, not `ip netns exec`. One warm-up ADD/DEL pair per contender is not counted. After the ADDs,
# every pod must be pingable from the node namespace at the address of its ADD result.
#
# Extending: a contender is a function bench_<key> that prepares its node namespace and config, then
# calls measure_sequential; add its key to CONTENDERS.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
repo=$PWD

pods=100
out_json=
keep_going=0
build=1
while [ $# -gt 0 ]; do
  case $1 in
    --pods) pods=${2:?--pods needs a number}; shift 2 ;;
    --pods=*) pods=${1#*=}; shift ;;
    --out) out_json=${2:?--out needs a file}; shift 2 ;;
    --out=*) out_json=${1#*=}; shift ;;
    --keep-going) keep_going=1; shift ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done
if ! [[ $pods =~ ^[0-9]+$ ]] || [ "$pods" -lt 1 ] || [ "$pods" -gt 5000 ]; then
  echo "bench.sh: --pods must be a number in 1..5000, got '$pods'" >&2
  exit 2
fi
if [ "$(id -u)" != 0 ]; then
  echo "bench.sh must run as root (it creates network namespaces)" >&2
  exit 1
fi
if [ -n "$out_json" ]; then
  case $out_json in /*) ;; *) out_json=$PWD/$out_json ;; esac
fi

CONTENDERS=(ref particle)
prefix=pbn-$$
bin_dir=${PARTICLE_BIN_DIR:-$repo/artifacts/bin}
ref_dir=/usr/lib/cni
daemon_pid=
tmp=

cleanup() {
  local rc=$? ns i
  trap - EXIT INT TERM
  set +e
  if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
    kill -TERM "$daemon_pid" 2>/dev/null
    for ((i = 0; i < 50; i++)); do kill -0 "$daemon_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$daemon_pid" 2>/dev/null
  fi
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$prefix-"); do
    ip netns del "$ns" 2>/dev/null
  done
  [ -n "$tmp" ] && rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

tmp=$(mktemp -d "/tmp/$prefix-XXXXXX")

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
for f in "$bin_dir/particle" "$bin_dir/particled" "$ref_dir/bridge" "$ref_dir/host-local"; do
  if [ ! -x "$f" ]; then
    echo "bench.sh: missing $f (run scripts/build.sh, or drop --no-build)" >&2
    exit 1
  fi
done

# ---------------------------------------------------------------- helpers
now_ns() { local t=$EPOCHREALTIME; echo $(( ${t/./} * 1000 )); }

# stats FILE COLUMN: "<n> <median ms> <p99 ms>" of the nanosecond values in COLUMN (nearest-rank p99;
# median of an even count is the mean of the two middle values); "0 - -" when FILE has none.
stats() {
  local file=$1 col=$2
  awk -v c="$col" '{print $c}' "$file" 2>/dev/null | sort -n | awk '
    { v[NR] = $1 }
    END {
      if (NR == 0) { print "0 - -"; exit }
      med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      r = int(0.99 * NR); if (r < 0.99 * NR) r++; if (r < 1) r = 1
      printf "%d %.2f %.2f\n", NR, med / 1e6, v[r] / 1e6
    }'
}

# The per-call timing loop, run by one bash inside the node namespace.
cat >"$tmp/harness.sh" <<'EOF'
#!/usr/bin/env bash
# harness.sh VERB PLUGIN CNI_PATH CONF NS_PREFIX CONTAINER_PREFIX FIRST LAST OUTDIR STOP_ON_FAIL
# Appends "<i> <exit code> <nanoseconds>" per call to OUTDIR/VERB.times.
set -u
verb=$1 plugin=$2 cni_path=$3 conf=$4 ns_prefix=$5 cid_prefix=$6 first=$7 last=$8 out=$9 stop=${10}
for ((i = first; i <= last; i++)); do
  t0=$EPOCHREALTIME
  CNI_COMMAND=$verb CNI_CONTAINERID=$cid_prefix$i CNI_NETNS=/run/netns/$ns_prefix$i CNI_IFNAME=eth0 \
    CNI_PATH=$cni_path "$plugin" <"$conf" >"$out/$verb-$i.out" 2>"$out/$verb-$i.err"
  rc=$?
  t1=$EPOCHREALTIME
  echo "$i $rc $(( (${t1/./} - ${t0/./}) * 1000 ))" >>"$out/$verb.times"
  if [ "$rc" != 0 ] && [ "$stop" = 1 ]; then break; fi
done
exit 0
EOF

# Pings, from inside the node namespace, every "<i> <address>" line of stdin; prints the failures.
cat >"$tmp/pinger.sh" <<'EOF'
#!/usr/bin/env bash
set -u
while read -r i addr; do
  ok=0
  for try in 1 2; do
    if ping -c1 -W1 -q "$addr" >/dev/null 2>&1; then ok=1; break; fi
  done
  [ "$ok" = 1 ] || echo "$i $addr"
done
exit 0
EOF

netns_add_times=$tmp/netns-add.times
: >"$netns_add_times"

# make_pod_namespaces FIRST LAST: pbn-<pid>-p<i>, each `ip netns add` timed into netns-add.times.
make_pod_namespaces() {
  local i t0 t1
  for ((i = $1; i <= $2; i++)); do
    t0=$(now_ns)
    ip netns add "$prefix-p$i"
    t1=$(now_ns)
    echo "$i 0 $((t1 - t0))" >>"$netns_add_times"
  done
}

delete_pod_namespaces() {
  local i
  for ((i = $1; i <= $2; i++)); do ip netns del "$prefix-p$i" 2>/dev/null || true; done
}

declare -A R  # results: R[<key>.<field>]
failures_total=0

# fail KEY MESSAGE: counts and prints one failure of contender KEY.
fail() {
  R[$1.failures]=$(( ${R[$1.failures]:-0} + 1 ))
  failures_total=$((failures_total + 1))
  echo "  FAIL [$1] $2" >&2
}

# first_line FILE: a short description of what a failed plugin call printed.
first_line() {
  local s
  s=$( (jq -r '.msg // empty' "$1" 2>/dev/null || true) | head -1)
  [ -n "$s" ] || s=$(head -c 300 "$1" 2>/dev/null | tr '\n' ' ')
  echo "$s"
}

# measure_sequential KEY NODE_NS PLUGIN CNI_PATH CONF: warm-up pair, N timed ADDs, ping check, N timed
# DELs. Fills R[KEY.add.*], R[KEY.del.*], R[KEY.failures]; returns 1 on any failure.
measure_sequential() {
  local key=$1 node=$2 plugin=$3 cni_path=$4 conf=$5
  local dir=$tmp/$key stop=$((1 - keep_going)) limit cid="$prefix-$key-" i rc addr n med p99 line verb
  mkdir -p "$dir/warm" "$dir/run"
  R[$key.failures]=${R[$key.failures]:-0}
  limit=$((60 + pods * 15))  # bounds each harness run; a single call never takes anywhere near 15 s

  # warm-up (pod 0, not counted)
  make_pod_namespaces 0 0 || { fail "$key" "ip netns add failed"; return 1; }
  for verb in ADD DEL; do
    touch "$dir/warm/$verb.times"
    timeout --foreground "$limit" ip netns exec "$node" bash "$tmp/harness.sh" "$verb" "$plugin" "$cni_path" "$conf" \
      "$prefix-p" "$cid" 0 0 "$dir/warm" 0 || true
    read -r i rc _ <"$dir/warm/$verb.times" || rc=missing
    [ "$rc" = 0 ] || fail "$key" "warm-up $verb exited $rc: $(first_line "$dir/warm/$verb-0.out") $(head -c 300 "$dir/warm/$verb-0.err" 2>/dev/null)"
  done
  delete_pod_namespaces 0 0
  if [ "${R[$key.failures]}" != 0 ] && [ "$keep_going" = 0 ]; then return 1; fi

  make_pod_namespaces 1 "$pods" || { fail "$key" "ip netns add failed"; delete_pod_namespaces 1 "$pods"; return 1; }

  # timed ADDs
  timeout --foreground "$limit" ip netns exec "$node" bash "$tmp/harness.sh" ADD "$plugin" "$cni_path" "$conf" \
    "$prefix-p" "$cid" 1 "$pods" "$dir/run" "$stop" || fail "$key" "ADD harness did not finish within ${limit}s"
  touch "$dir/run/ADD.times"
  : >"$dir/addresses"
  for ((i = 1; i <= pods; i++)); do
    line=$(awk -v i="$i" '$1 == i' "$dir/run/ADD.times")
    if [ -z "$line" ]; then
      [ "$keep_going" = 1 ] && fail "$key" "pod $i: ADD not run"
      continue
    fi
    read -r _ rc _ <<<"$line"
    if [ "$rc" != 0 ]; then
      fail "$key" "pod $i: ADD exited $rc: $(first_line "$dir/run/ADD-$i.out") $(head -c 300 "$dir/run/ADD-$i.err")"
      continue
    fi
    addr=$(jq -r '.ips[0].address // empty' "$dir/run/ADD-$i.out" 2>/dev/null | cut -d/ -f1)
    if [ -z "$addr" ]; then
      fail "$key" "pod $i: ADD result has no address: $(head -c 300 "$dir/run/ADD-$i.out")"
      continue
    fi
    echo "$i $addr" >>"$dir/addresses"
  done
  awk '$2 == 0' "$dir/run/ADD.times" >"$dir/add-ok.times"
  read -r n med p99 < <(stats "$dir/add-ok.times" 3)
  R[$key.add.n]=$n R[$key.add.p50]=$med R[$key.add.p99]=$p99
  R[$key.addresses]=$(awk 'END {print NR}' "$dir/addresses")
  if [ "$(sort -u -k2,2 "$dir/addresses" | awk 'END {print NR}')" != "${R[$key.addresses]}" ]; then
    fail "$key" "two pods got the same address"
  fi

  # correctness: every pod answers ping from the node namespace
  if [ -s "$dir/addresses" ]; then
    timeout --foreground $((30 + pods * 5)) ip netns exec "$node" bash "$tmp/pinger.sh" <"$dir/addresses" >"$dir/ping-failures" \
      || fail "$key" "ping check did not finish"
    while read -r i addr; do fail "$key" "pod $i: no ping reply from $addr"; done <"$dir/ping-failures"
    R[$key.ping_ok]=$(( ${R[$key.addresses]} - $(awk 'END {print NR}' "$dir/ping-failures") ))
  else
    R[$key.ping_ok]=0
  fi

  # timed DELs, for every pod whose ADD ran (also a failed one: DEL must cope)
  local last
  last=$(awk '$1 > m {m = $1} END {print m + 0}' "$dir/run/ADD.times")
  timeout --foreground "$limit" ip netns exec "$node" bash "$tmp/harness.sh" DEL "$plugin" "$cni_path" "$conf" \
    "$prefix-p" "$cid" 1 "$last" "$dir/run" 0 || fail "$key" "DEL harness did not finish within ${limit}s"
  touch "$dir/run/DEL.times"
  while read -r i rc _; do
    [ "$rc" = 0 ] || fail "$key" "pod $i: DEL exited $rc: $(first_line "$dir/run/DEL-$i.out") $(head -c 300 "$dir/run/DEL-$i.err")"
  done <"$dir/run/DEL.times"
  awk '$2 == 0' "$dir/run/DEL.times" >"$dir/del-ok.times"
  read -r n med p99 < <(stats "$dir/del-ok.times" 3)
  R[$key.del.n]=$n R[$key.del.p50]=$med R[$key.del.p99]=$p99

  # after DEL no pod may keep its eth0
  for ((i = 1; i <= pods; i++)); do
    if ip -n "$prefix-p$i" link show eth0 >/dev/null 2>&1; then fail "$key" "pod $i: eth0 still exists after DEL"; fi
  done
  delete_pod_namespaces 1 "$pods"
  [ "${R[$key.failures]}" = 0 ]
}

# ---------------------------------------------------------------- contenders
# (a) the reference: bridge + host-local, host-local's dataDir in the temp dir.
bench_ref() {
  local node=$prefix-refnode conf=$tmp/ref.conf
  R[ref.label]=bridge+host-local
  ip netns add "$node"
  ip -n "$node" link set lo up
  mkdir -p "$tmp/host-local"
  jq -cn --arg dir "$tmp/host-local" '{cniVersion: "1.0.0", name: "benchref", type: "bridge", bridge: "pbr0",
    isGateway: true, ipam: {type: "host-local", ranges: [[{subnet: "10.201.0.0/16"}]], dataDir: $dir}}' >"$conf"
  local rc=0
  measure_sequential ref "$node" "$ref_dir/bridge" "$ref_dir" "$conf" || rc=1
  ip netns del "$node"
  return $rc
}

# (b) particle + particled, the daemon running in the node namespace.
bench_particle() {
  local node=$prefix-ptnode dir=$tmp/pt i rc=0
  R[particle.label]=particle
  mkdir -p "$dir/state"
  ip netns add "$node"
  ip -n "$node" link set lo up
  jq -n --arg state "$dir/state" --arg sock "$dir/particled.sock" '{stateDir: $state, socketPath: $sock,
    networks: [{name: "benchpt", subnet: "10.202.0.0/16", bridge: "pbp0", mtu: 1500}]}' >"$dir/particled.json"
  jq -cn --arg state "$dir/state" --arg sock "$dir/particled.sock" '{cniVersion: "1.0.0", name: "benchpt",
    type: "particle", socket: $sock, stateDir: $state}' >"$dir/plugin.conf"

  ip netns exec "$node" "$bin_dir/particled" --config "$dir/particled.json" >"$dir/particled.log" 2>&1 &
  daemon_pid=$!
  for ((i = 0; i < 100; i++)); do
    [ -S "$dir/particled.sock" ] && break
    kill -0 "$daemon_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ ! -S "$dir/particled.sock" ]; then
    fail particle "particled did not create its socket within 10 s; its log:"
    sed 's/^/    /' "$dir/particled.log" >&2
    rc=1
  else
    measure_sequential particle "$node" "$bin_dir/particle" "$bin_dir" "$dir/plugin.conf" || rc=1
  fi
  if kill -0 "$daemon_pid" 2>/dev/null; then
    kill -TERM "$daemon_pid"
    for ((i = 0; i < 100; i++)); do kill -0 "$daemon_pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$daemon_pid" 2>/dev/null; then
      fail particle "particled did not stop within 10 s of SIGTERM"
      kill -KILL "$daemon_pid" 2>/dev/null || true
      rc=1
    fi
  elif [ $rc = 0 ]; then
    fail particle "particled exited during the benchmark; its log:"
    tail -20 "$dir/particled.log" | sed 's/^/    /' >&2
    rc=1
  fi
  wait "$daemon_pid" 2>/dev/null || true
  daemon_pid=
  if [ $rc = 1 ] && [ -s "$dir/particled.log" ]; then
    grep -iE 'fail|error|warn' "$dir/particled.log" | head -10 | sed 's/^/    particled: /' >&2 || true
  fi
  ip netns del "$node"
  return $rc
}

# startup BINARY: median ms of 200 `CNI_COMMAND=VERSION BINARY </dev/null` runs.
startup() {
  local b=$1 f=$tmp/startup.$RANDOM i t0 t1
  if command -v hyperfine >/dev/null; then
    (cd "$tmp" && CNI_COMMAND=VERSION hyperfine -N --runs 200 --warmup 10 --style none \
      --export-json "$f.json" -- "$b" >/dev/null 2>&1 </dev/null) || { echo "-"; return; }
    jq -r '.results[0].median * 1000 | . * 100 | round / 100 | tostring' "$f.json"
  else
    : >"$f"
    for ((i = 0; i < 210; i++)); do
      t0=$(date +%s%N)
      CNI_COMMAND=VERSION "$b" </dev/null >/dev/null 2>&1
      t1=$(date +%s%N)
      [ "$i" -ge 10 ] && echo "$i 0 $((t1 - t0))" >>"$f"
    done
    stats "$f" 3 | awk '{print $2}'
  fi
}

# ---------------------------------------------------------------- run
started=$(date -Is)
kernel=$(uname -r)
cpus=$(nproc)
echo "bench: $started, kernel $kernel, $cpus CPUs, $pods pods sequential," \
  "containernetworking-plugins $(dpkg-query -W -f='${Version}' containernetworking-plugins 2>/dev/null || echo '?')," \
  "particle $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')"

ran=()
for key in "${CONTENDERS[@]}"; do
  echo "running $key ..."
  ran+=("$key")
  if ! "bench_$key"; then
    echo "  $key: ${R[$key.failures]:-?} failure(s)" >&2
    [ "$keep_going" = 1 ] || { echo "  stopping (use --keep-going to run the remaining contenders)" >&2; break; }
  fi
done

read -r netns_n netns_p50 netns_p99 < <(stats "$netns_add_times" 3)
particle_size=$(stat -c %s "$bin_dir/particle")
particled_size=$(stat -c %s "$bin_dir/particled")
bridge_size=$(stat -c %s "$ref_dir/bridge")
echo "measuring start-up (CNI_COMMAND=VERSION, 200 runs) ..."
particle_start=$(startup "$bin_dir/particle")
bridge_start=$(startup "$ref_dir/bridge")

# ratio A B: A/B formatted 0.00x, "-" when either is missing.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b + 0 == 0) print "-"; else printf "%.2fx\n", a / b }'; }

echo
echo "ParticleCni bench $started  kernel $kernel  cpus $cpus  pods $pods (sequential; ms per plugin call)"
printf '%-19s %9s %9s %9s %9s %16s %16s\n' contender "ADD p50" "ADD p99" "DEL p50" "DEL p99" "ADD p50 vs ref" "DEL p50 vs ref"
for key in "${ran[@]}"; do
  printf '%-19s %9s %9s %9s %9s %16s %16s\n' "${R[$key.label]}" "${R[$key.add.p50]:--}" "${R[$key.add.p99]:--}" \
    "${R[$key.del.p50]:--}" "${R[$key.del.p99]:--}" \
    "$(ratio "${R[$key.add.p50]:--}" "${R[ref.add.p50]:--}")" "$(ratio "${R[$key.del.p50]:--}" "${R[ref.del.p50]:--}")"
done
echo "ip netns add: p50 $netns_p50 ms, p99 $netns_p99 ms ($netns_n namespaces, not part of ADD)"
echo "binary size: particle $particle_size bytes ($(awk -v s="$particle_size" 'BEGIN{printf "%.1f", s/1048576}') MiB)," \
  "particled $particled_size bytes, reference bridge $bridge_size bytes"
echo "start-up (CNI_COMMAND=VERSION, median of 200): particle $particle_start ms, reference bridge $bridge_start ms" \
  "($(ratio "$particle_start" "$bridge_start"))"
for key in "${ran[@]}"; do
  echo "$key: ${R[$key.add.n]:-0}/$pods ADD ok, ${R[$key.ping_ok]:-0}/$pods pingable, ${R[$key.del.n]:-0}/$pods DEL ok," \
    "${R[$key.failures]:-0} failure(s)"
done

if [ -n "$out_json" ]; then
  {
    for key in "${ran[@]}"; do
      jq -cn --arg key "$key" --arg lbl "${R[$key.label]}" \
        --arg ap50 "${R[$key.add.p50]:--}" --arg ap99 "${R[$key.add.p99]:--}" --arg an "${R[$key.add.n]:-0}" \
        --arg dp50 "${R[$key.del.p50]:--}" --arg dp99 "${R[$key.del.p99]:--}" --arg dn "${R[$key.del.n]:-0}" \
        --arg ping "${R[$key.ping_ok]:-0}" --arg fails "${R[$key.failures]:-0}" \
        --arg refadd "${R[ref.add.p50]:--}" --arg refdel "${R[ref.del.p50]:--}" '
        def num: if . == "-" then null else tonumber end;
        def ratio(a; b): if (a | num) == null or (b | num) == null or (b | num) == 0 then null
                         else ((a | num) / (b | num) * 100 | round / 100) end;
        {key: $key, "label": $lbl,
         add: {ok: ($an | tonumber), p50Ms: ($ap50 | num), p99Ms: ($ap99 | num)},
         del: {ok: ($dn | tonumber), p50Ms: ($dp50 | num), p99Ms: ($dp99 | num)},
         pingable: ($ping | tonumber), failures: ($fails | tonumber),
         addP50VsRef: ratio($ap50; $refadd), delP50VsRef: ratio($dp50; $refdel)}'
    done
  } | jq -s --arg date "$started" --arg kernel "$kernel" --argjson cpus "$cpus" --argjson pods "$pods" \
      --arg np50 "$netns_p50" --arg np99 "$netns_p99" \
      --argjson psize "$particle_size" --argjson pdsize "$particled_size" --argjson bsize "$bridge_size" \
      --arg pstart "$particle_start" --arg bstart "$bridge_start" --argjson failures "$failures_total" '
      def num: if . == "-" then null else tonumber end;
      {date: $date, kernel: $kernel, cpus: $cpus, pods: $pods, mode: "sequential",
       netnsAdd: {p50Ms: ($np50 | num), p99Ms: ($np99 | num)},
       contenders: .,
       binaries: {particleBytes: $psize, particledBytes: $pdsize, bridgeBytes: $bsize,
                  particleStartupMs: ($pstart | num), bridgeStartupMs: ($bstart | num)},
       failures: $failures}' >"$out_json"
  echo "results written to $out_json"
fi

if [ "$failures_total" != 0 ]; then
  echo "bench: $failures_total failure(s)" >&2
  exit 1
fi
