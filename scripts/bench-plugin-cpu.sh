#!/usr/bin/env bash
# CPU time of one `particle` process per verb, beside the floors, in one run: `perf stat -e task-clock
# -r N` (CPU time of the process and all its threads, user + kernel, so other work on the machine hardly
# moves it) for
#   /bin/true                      a process's floor (fork, exec, exit)
#   bare-aot                       a native-AOT process that reads the same configuration and writes a
#                                  VERSION answer (tools/BareJsonProcess): the .NET runtime's floor
#   particle VERSION               no daemon involved: the plugin's own start-up and exit
#   particle ADD, particle DEL     against a real particled in a node namespace of this script, one pod
#                                  namespace; each measured ADD follows an unmeasured DEL and the other
#                                  way round (perf's --pre), so every ADD wires a pod and every DEL
#                                  retires one; perf's --post checks each time that eth0 is there (ADD)
#                                  or gone (DEL)
# Prints mean task-clock (ms) and page faults per run, and the lowest and highest chunk mean.
#
#   scripts/bench-plugin-cpu.sh [--runs N] [--chunks K] [--no-build] [--before REF|DIR]
#     --runs N       runs per figure (default 200)
#     --before REF   also measure `particle` built from git REF (git archive into a temp folder, published
#                    there; takes minutes); --before DIR takes a folder that already holds a `particle`
#     --chunks K     take each figure's N runs as K `perf stat -r N/K` calls, in turn with every other
#                    figure (default 4), so that the machine's load changes hit every row alike
#     --no-build     use the binaries already in PARTICLE_BIN_DIR (default artifacts/bin)
# Needs perf (linux-perf) and root. Every network object lives in namespaces named pcpu-<pid>-*; the EXIT
# trap stops particled (by PID), deletes those namespaces and the temp folder.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
repo=$PWD

runs=200
chunks=4
build=1
before=
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=${2:?}; shift 2 ;;
    --chunks) chunks=${2:?}; shift 2 ;;
    --before) before=${2:?}; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) echo "bench-plugin-cpu.sh: unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done
[[ $runs =~ ^[0-9]+$ ]] && [ "$runs" -ge 1 ] && [ "$runs" -le 5000 ] || { echo "--runs must be 1..5000" >&2; exit 2; }
[[ $chunks =~ ^[0-9]+$ ]] && [ "$chunks" -ge 1 ] && [ "$chunks" -le "$runs" ] || { echo "--chunks must be 1..runs" >&2; exit 2; }
chunk_runs=$(( (runs + chunks - 1) / chunks ))
[ "$(id -u)" = 0 ] || { echo "bench-plugin-cpu.sh must run as root (it creates network namespaces)" >&2; exit 1; }
command -v perf >/dev/null || { echo "bench-plugin-cpu.sh needs perf (apt-get install linux-perf)" >&2; exit 1; }
command -v jq >/dev/null || bash scripts/install-deps.sh

bin=${PARTICLE_BIN_DIR:-$repo/artifacts/bin}
prefix=pcpu-$$
tmp=$(mktemp -d "/tmp/$prefix-XXXXXX")
daemon=

cleanup() {
  local rc=$? ns i
  trap - EXIT INT TERM
  set +e
  if [ -n "$daemon" ]; then
    kill -TERM "$daemon" 2>/dev/null
    for ((i = 0; i < 50; i++)); do kill -0 "$daemon" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$daemon" 2>/dev/null
  fi
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$prefix-"); do ip netns del "$ns" 2>/dev/null; done
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[ "$build" = 1 ] && bash scripts/build.sh >/dev/null
for f in particle particled; do
  [ -x "$bin/$f" ] || { echo "bench-plugin-cpu.sh: $bin/$f is missing: run scripts/build.sh first" >&2; exit 1; }
done
PARTICLE_BUILD_DIR=$tmp/build-bare dotnet publish tools/BareJsonProcess -c Release -r linux-x64 -o "$tmp/bare" \
  --nologo -v quiet -clp:NoSummary >"$tmp/bare.log" 2>&1 || { cat "$tmp/bare.log" >&2; exit 1; }

# The plugins to measure: "label path".
plugins=("after $bin/particle")
before_label=
if [ -n "$before" ]; then
  if [ -d "$before" ]; then
    [ -x "$before/particle" ] || { echo "--before $before: no particle binary there" >&2; exit 1; }
    before_bin=$before/particle
    before_label="before ($before)"
  else
    rev=$(git rev-parse --short "$before^{commit}") || { echo "--before $before: not a folder or a git revision" >&2; exit 1; }
    mkdir -p "$tmp/before-src"
    git archive "$rev" | tar -x -C "$tmp/before-src"
    PARTICLE_BUILD_DIR=$tmp/build-before dotnet publish "$tmp/before-src/src/Particle.Cni" -c Release -r linux-x64 \
      -o "$tmp/before-bin" --nologo -v quiet -clp:NoSummary >"$tmp/before.log" 2>&1 || { cat "$tmp/before.log" >&2; exit 1; }
    before_bin=$tmp/before-bin/particle
    before_label="before ($rev)"
  fi
  plugins=("before $before_bin" "${plugins[@]}")
fi

# A node namespace with particled in it, and one pod namespace.
node=$prefix-node
pod=$prefix-pod
mkdir -p "$tmp/state"
ip netns add "$node"
ip -n "$node" link set lo up
ip netns add "$pod"
jq -n --arg state "$tmp/state" --arg sock "$tmp/s.sock" \
  '{stateDir: $state, socketPath: $sock, metrics: {enabled: false}, networks: [{name: "bench", subnet: "10.213.0.0/24", bridge: "pcpu0"}]}' >"$tmp/node.json"
jq -cn --arg state "$tmp/state" --arg sock "$tmp/s.sock" \
  '{cniVersion: "1.0.0", name: "bench", type: "particle", socket: $sock, stateDir: $state}' >"$tmp/conf.json"
nsenter --net="/run/netns/$node" "$bin/particled" --config "$tmp/node.json" >"$tmp/particled.log" 2>&1 &
daemon=$!
for ((i = 0; i < 100; i++)); do [ -S "$tmp/s.sock" ] && break; sleep 0.1; done
[ -S "$tmp/s.sock" ] || { echo "particled did not start:" >&2; cat "$tmp/particled.log" >&2; exit 1; }

export CNI_CONTAINERID=pcpu-bench CNI_NETNS=/run/netns/$pod CNI_IFNAME=eth0 CNI_PATH=$bin
conf=$tmp/conf.json
# perf's --pre and --post run through sh with perf's stdin, the configuration file: every run of the
# measured process must find it at offset 0 again.
rewind='perl -e "sysseek(STDIN, 0, 0)"'
: >"$tmp/failures"

# Each plugin must do the real thing before it is timed.
for entry in "${plugins[@]}"; do
  p=${entry#* }
  CNI_COMMAND=ADD "$p" <"$conf" >"$tmp/add.out" || { echo "ADD with $p failed:" >&2; cat "$tmp/add.out" >&2; exit 1; }
  jq -e '.ips[0].address' "$tmp/add.out" >/dev/null || { echo "ADD with $p answered no address:" >&2; cat "$tmp/add.out" >&2; exit 1; }
  CNI_COMMAND=DEL "$p" <"$conf" >"$tmp/del.out" || { echo "DEL with $p failed:" >&2; cat "$tmp/del.out" >&2; exit 1; }
done

# measure ROW VERB PRE POST COMMAND...: one chunk of runs/chunks runs; appends "ROW ms faults" to results.
measure() {
  local row=$1 verb=$2 pre=$3 post=$4
  shift 4
  CNI_COMMAND=$verb perf stat -x, -e task-clock,page-faults -r "$chunk_runs" -o "$tmp/perf.csv" \
    --pre "$pre" ${post:+--post "$post"} -- "$@" <"$conf" >/dev/null 2>"$tmp/perf.err" \
    || { echo "perf stat failed for row $row ($verb):" >&2; cat "$tmp/perf.err" >&2; exit 1; }
  awk -F, -v row="$row" '$3 == "task-clock" { ms = $1 } $3 == "page-faults" { pf = $1 } END { print row, ms, pf }' \
    "$tmp/perf.csv" >>"$tmp/results"
}

# The rows, in print order: "label|verb".
rows=("/bin/true|-" "bare-aot|VERSION")
for verb in VERSION ADD DEL; do
  for entry in "${plugins[@]}"; do
    label=${entry%% *}
    [ "$label" = before ] && label=$before_label
    rows+=("particle $label|$verb")
  done
done

printf 'bench-plugin-cpu %s  kernel %s  cpus %s  load %s  runs %s in %s interleaved chunks  particle %s\n' "$(date -Is)" \
  "$(uname -r)" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" "$((chunk_runs * chunks))" "$chunks" "$(git rev-parse --short HEAD 2>/dev/null || echo '?')"
: >"$tmp/results"
for ((c = 1; c <= chunks; c++)); do
  measure 0 - "$rewind" "" /bin/true
  measure 1 VERSION "$rewind" "" "$tmp/bare/BareJsonProcess"
  row=2
  for entry in "${plugins[@]}"; do
    measure $((row++)) VERSION "$rewind" "" "${entry#* }"
  done
  for entry in "${plugins[@]}"; do
    label=${entry%% *}; p=${entry#* }
    measure $((row++)) ADD "CNI_COMMAND=DEL $p <$conf >/dev/null 2>&1; $rewind" \
      "ip -n $pod link show eth0 >/dev/null 2>&1 || echo 'ADD ($label): no eth0 after it' >>$tmp/failures" "$p"
  done
  for entry in "${plugins[@]}"; do
    label=${entry%% *}; p=${entry#* }
    # The last measured ADD left the pod attached; every measured DEL follows an unmeasured ADD.
    CNI_COMMAND=DEL "$p" <"$conf" >/dev/null 2>&1 || true
    measure $((row++)) DEL "CNI_COMMAND=ADD $p <$conf >$tmp/pre.out 2>&1 || { printf 'pre-ADD (%s): ' '$label'; head -c 300 $tmp/pre.out; echo; } >>$tmp/failures; $rewind" \
      "! ip -n $pod link show eth0 >/dev/null 2>&1 || echo 'DEL ($label): eth0 still there' >>$tmp/failures" "$p"
  done
done

printf '%-34s %-8s %8s %8s %8s %8s\n' process verb "CPU ms" "min" "max" faults
for ((i = 0; i < ${#rows[@]}; i++)); do
  awk -v row="$i" -v name="${rows[$i]}" '
    $1 == row { n++; s += $2; f += $3; if (n == 1 || $2 < lo) lo = $2; if (n == 1 || $2 > hi) hi = $2 }
    END { split(name, p, "|"); printf "%-34s %-8s %8.3f %8.3f %8.3f %8.0f\n", p[1], p[2], s / n, lo, hi, f / n }' "$tmp/results"
done
CNI_COMMAND=DEL "${plugins[-1]#* }" <"$conf" >/dev/null 2>&1 || true
printf 'sizes: %s\n' "$(for entry in "${plugins[@]}"; do printf '%s %s bytes; ' "${entry%% *}" "$(stat -c %s "${entry#* }")"; done)bare-aot $(stat -c %s "$tmp/bare/BareJsonProcess") bytes"
failed=$(wc -l <"$tmp/failures")
echo "(perf stat -e task-clock,page-faults; CPU ms: mean per process over all runs; min/max: of the $chunks chunk means, taken in turn with every other row; failed runs: $failed)"
[ "$failed" = 0 ] || { sort "$tmp/failures" | uniq -c >&2; echo "--- particled log, last lines ---" >&2; tail -n 20 "$tmp/particled.log" >&2; exit 1; }
