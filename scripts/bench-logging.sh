#!/usr/bin/env bash
# Cost of the plugin's operator log (issue 5): hyperfine runs of one ADD+DEL pair through the real
# binaries against a real particled, with "logFile" set and without, in the same run; and the plugin's
# start-up (VERSION, no config read) for reference. Everything lives in namespaces this script creates.
#   scripts/bench-logging.sh [--runs N]      (default 300; needs hyperfine and built binaries)
set -euo pipefail
cd "$(dirname "$0")/.."

runs=300
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    *) echo "usage: $0 [--runs N]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "must run as root (it creates network namespaces)" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "hyperfine is missing (scripts/install-deps.sh)" >&2; exit 1; }
bin=${PARTICLE_BIN_DIR:-$PWD/artifacts/bin}

prefix="plog-$$"
node="$prefix-node"
pod="$prefix-pod"
work=$(mktemp -d /tmp/particle-logbench.XXXXXX)
daemon_pid=""
cleanup() {
  [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null || true
  for ns in $(ip netns list | awk '{print $1}' | grep "^$prefix-" || true); do ip netns del "$ns"; done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

cat > "$work/node.json" <<JSON
{ "stateDir": "$work/state", "socketPath": "$work/particled.sock",
  "networks": [ { "name": "logbench", "subnet": "10.198.0.0/24", "gatewayInterface": "plog0" } ] }
JSON
common="\"cniVersion\":\"1.0.0\",\"name\":\"logbench\",\"type\":\"particle\",\"socket\":\"$work/particled.sock\",\"stateDir\":\"$work/state\""
echo "{$common}" > "$work/off.json"
echo "{$common,\"logFile\":\"$work/log/particle.log\"}" > "$work/on.json"

ip netns add "$node"
ip -n "$node" link set lo up
ip netns add "$pod"
ip netns exec "$node" "$bin/particled" --config "$work/node.json" --log-level warning >"$work/particled.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 100); do [ -S "$work/particled.sock" ] && break; sleep 0.05; done
[ -S "$work/particled.sock" ] || { cat "$work/particled.log"; echo "particled did not start" >&2; exit 1; }

pair() { # config file
  echo "export CNI_CONTAINERID=bench CNI_NETNS=/run/netns/$pod CNI_IFNAME=eth0 CNI_PATH=$bin;" \
       "CNI_COMMAND=ADD $bin/particle < $1 >/dev/null && CNI_COMMAND=DEL $bin/particle < $1"
}
hyperfine -N --warmup 20 --runs "$runs" --export-json "$work/pair.json" \
  -n "ADD+DEL, no log" "sh -c '$(pair "$work/off.json")'" \
  -n "ADD+DEL, logFile" "sh -c '$(pair "$work/on.json")'"
echo "log lines written: $(cat "$work/log/particle.log"* | wc -l) (expected $(( (runs + 20) * 2 )))"
# STATUS: a whole invocation (config, one daemon round trip, no kernel work), so the log's share shows.
sed 's/"1.0.0"/"1.1.0"/' "$work/off.json" > "$work/status-off.json"
sed 's/"1.0.0"/"1.1.0"/' "$work/on.json" > "$work/status-on.json"
hyperfine -N --warmup 20 --runs "$runs" \
  -n "STATUS, no log" "sh -c 'CNI_COMMAND=STATUS CNI_PATH=$bin $bin/particle < $work/status-off.json'" \
  -n "STATUS, logFile" "sh -c 'CNI_COMMAND=STATUS CNI_PATH=$bin $bin/particle < $work/status-on.json'" \
  -n "VERSION (start-up)" "sh -c 'CNI_COMMAND=VERSION $bin/particle </dev/null >/dev/null'"
