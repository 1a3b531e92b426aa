#!/usr/bin/env bash
# Soak with faults: a bounded mixed ADD/DEL/CHECK workload from concurrent clients over many pod
# namespaces while particled is killed with SIGKILL at random moments and restarted. Afterwards (one GC
# pass, then a clean restart so the journal is compacted) it counts what must be zero:
#   addresses held twice, addresses held by nobody, attachments lost, stray links, stray namespaces,
#   leftover pending-DEL notes, attached pods that are unreachable, operations whose outcome was wrong.
# Prints the counts and exits non-zero if any is not zero. Everything happens in namespaces it creates.
#   scripts/soak.sh [--ops 10000] [--clients 32] [--pods 300] [--kills 20] [--minutes 30] [--no-build]
# A short run for CI: scripts/soak.sh --ops 600 --clients 8 --pods 40 --kills 4 --no-build
set -euo pipefail
cd "$(dirname "$0")/.."

ops=10000 clients=32 pods=300 kills=20 minutes=30 build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --ops) ops=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --pods) pods=$2; shift 2 ;;
    --kills) kills=$2; shift 2 ;;
    --minutes) minutes=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    *) echo "usage: $0 [--ops N] [--clients N] [--pods N] [--kills N] [--minutes N] [--no-build]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "soak.sh must run as root (it creates network namespaces)" >&2; exit 1; }
[ "$pods" -ge "$clients" ] && [ "$pods" -le 4000 ] || { echo "--pods must be between --clients and 4000" >&2; exit 2; }

bash scripts/install-deps.sh
[ $build = 1 ] && bash scripts/build.sh >/dev/null
bin=${PARTICLE_BIN_DIR:-$PWD/artifacts/bin}

prefix="psk-$$"
node="$prefix-node"
work=$(mktemp -d /tmp/particle-soak.XXXXXX)
deadline=$(( $(date +%s) + minutes * 60 ))
cleanup() {
  pkill -P $$ 2>/dev/null || true
  [ -f "$work/daemon.pid" ] && kill -9 "$(cat "$work/daemon.pid")" 2>/dev/null || true
  for ns in $(ip netns list | awk '{print $1}' | grep "^$prefix-" || true); do ip netns del "$ns"; done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

cat > "$work/node.json" <<JSON
{
  "stateDir": "$work/state",
  "socketPath": "$work/particled.sock",
  "pendingDeleteScanSeconds": 1,
  "networks": [ { "name": "soak", "subnet": "10.197.0.0/20", "gatewayInterface": "soak0", "mtu": 1500 } ]
}
JSON
conf="{\"cniVersion\":\"1.1.0\",\"name\":\"soak\",\"type\":\"particle\",\"socket\":\"$work/particled.sock\",\"stateDir\":\"$work/state\",\"timeoutSeconds\":5}"

start_daemon() {
  rm -f "$work/particled.sock"
  ip netns exec "$node" "$bin/particled" --config "$work/node.json" >>"$work/particled.log" 2>&1 &
  echo $! >"$work/daemon.pid"
  for _ in $(seq 200); do [ -S "$work/particled.sock" ] && return 0; sleep 0.05; done
  echo "particled did not come back" >&2; tail -20 "$work/particled.log" >&2; return 1
}
stop_daemon() { # SIGTERM and wait
  local pid; pid=$(cat "$work/daemon.pid"); kill -TERM "$pid"
  for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.05; done
  echo "particled did not stop on SIGTERM" >&2; return 1
}

out="$work/out.main"
plugin() { # verb pod [stdin]; the answer lands in $out
  CNI_COMMAND=$1 CNI_CONTAINERID="soak-$2" CNI_NETNS="/run/netns/$prefix-p$2" CNI_IFNAME=eth0 CNI_PATH="$bin" \
    "$bin/particle" <<<"${3:-$conf}" >"$out" 2>/dev/null
}

ip netns add "$node"
ip -n "$node" link set lo up
mkdir -p "$work/pods"
for i in $(seq 0 $((pods - 1))); do ip netns add "$prefix-p$i"; echo detached >"$work/pods/$i"; done
start_daemon

# One client: its own pods (i % clients == c), so no two clients act on one container at once, as
# runtimes guarantee. A failed ADD is followed by a DEL, as containerd does.
client() {
  local c=$1 n=$2 done=0 i state
  out="$work/out.$c"  # where plugin() leaves the answer of the last call
  local mine=() ; for i in $(seq "$c" "$clients" $((pods - 1))); do mine+=("$i"); done
  while [ $done -lt "$n" ] && [ "$(date +%s)" -lt "$deadline" ]; do
    i=${mine[$((RANDOM % ${#mine[@]}))]}
    state=$(cat "$work/pods/$i")
    if [ "$state" = detached ]; then
      if plugin ADD "$i"; then
        echo attached >"$work/pods/$i"
        cp "$out" "$work/pods/$i.result"
      else
        # While particled is down or restarting the only right answer is 11 (try again later).
        [ "$(jq -r .code "$out" 2>/dev/null)" = 11 ] \
          || echo "$i ADD failed: $(head -c 200 "$out")" >>"$work/wrong.$c"
        echo "$i" >>"$work/add-failures.$c"
        plugin DEL "$i" || { echo "$i DEL after a failed ADD failed: $(head -c 200 "$out")" >>"$work/wrong.$c"; echo unknown >"$work/pods/$i"; }
      fi
    elif [ $((RANDOM % 4)) = 0 ]; then
      local prev; prev=$(cat "$work/pods/$i.result" 2>/dev/null || echo '{}')
      if ! plugin CHECK "$i" "${conf%\}},\"prevResult\":$prev}"; then
        echo "$i" >>"$work/check-failures.$c"
        [ "$(jq -r .code "$out" 2>/dev/null)" = 11 ] \
          || echo "$i CHECK failed: $(head -c 200 "$out")" >>"$work/wrong.$c"
      fi
    else
      if plugin DEL "$i"; then
        echo detached >"$work/pods/$i"
      else
        echo "$i DEL failed: $(head -c 200 "$out")" >>"$work/wrong.$c"
      fi
    fi
    done=$((done + 1))
    printf . >>"$work/progress.$c"
  done
  echo "$done" >"$work/ops.$c"
}

echo "soak: $ops operations from $clients clients over $pods pods, $kills SIGKILLs of particled"
started=$(date +%s)
client_pids=()
for c in $(seq 0 $((clients - 1))); do client "$c" $(( (ops + clients - 1) / clients )) & client_pids+=($!); done
clients_running() { local p; for p in "${client_pids[@]}"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }

# The killer: spreads its SIGKILLs over the run (the k-th once about k/(kills+1) of the operations are
# done, give or take a random share), restarting particled at once each time.
progress() { cat "$work"/progress.* 2>/dev/null | wc -c || true; }
killed=0
while [ $killed -lt "$kills" ] && [ "$(date +%s)" -lt "$deadline" ]; do
  target=$(( (killed + 1) * ops / (kills + 1) + (RANDOM % (ops / (kills + 1) + 1)) - ops / (2 * (kills + 1)) ))
  while clients_running && [ "$(progress)" -lt "$target" ] && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.05; done
  clients_running || break
  kill -9 "$(cat "$work/daemon.pid")" 2>/dev/null || true
  wait "$(cat "$work/daemon.pid")" 2>/dev/null || true
  killed=$((killed + 1))
  start_daemon
done
for pid in "${client_pids[@]}"; do wait "$pid" || true; done
elapsed=$(( $(date +%s) - started ))
done_ops=$( (cat "$work"/ops.* 2>/dev/null || true) | awk '{s += $1} END {print s + 0}')

# One GC pass with what the runtime believes attached, then a clean restart: recovery and compaction.
valid=$(for f in "$work"/pods/*; do [[ $f == *.result ]] && continue; [ "$(cat "$f")" = attached ] && printf '{"containerID":"soak-%s","ifname":"eth0"},' "$(basename "$f")"; done | sed 's/,$//')
CNI_COMMAND=GC CNI_PATH="$bin" "$bin/particle" <<<"${conf%\}},\"cni.dev/valid-attachments\":[${valid}]}" >/dev/null \
  || echo "GC failed" >>"$work/wrong.gc"
sleep 1.5  # one housekeeping round for notes written by the last clients
stop_daemon
start_daemon
stop_daemon

# What the daemon holds: the compacted journal has one line per live allocation.
journal="$work/state/ipam.journal"
jq -r '"\(.containerId) \(.address)"' "$journal" | sort >"$work/held"
for f in "$work"/pods/*; do [[ $f == *.result ]] && continue; [ "$(cat "$f")" = attached ] && echo "soak-$(basename "$f")"; done | sort >"$work/attached"

duplicates=$(awk '{print $2}' "$work/held" | sort | uniq -d | wc -l)
held_by_nobody=$(awk '{print $1}' "$work/held" | comm -23 - "$work/attached" | wc -l)
lost=$(awk '{print $1}' "$work/held" | comm -13 - "$work/attached" | wc -l)
node_links=$(ip -n "$node" -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -c '^pc' || true)
stray_links=$(( node_links - $(wc -l <"$work/held") )); stray_links=${stray_links#-}
stray_pod_links=0
for f in "$work"/pods/*; do
  [[ $f == *.result ]] && continue
  if [ "$(cat "$f")" != attached ] && ip -n "$prefix-p$(basename "$f")" -o link show eth0 >/dev/null 2>&1; then
    stray_pod_links=$((stray_pod_links + 1))
  fi
done
stray_namespaces=$(( $(ip netns list | awk '{print $1}' | grep -c "^$prefix-") - pods - 1 ))
notes=$(find "$work/state/pending-del" -type f 2>/dev/null | wc -l)
unreachable=0
while read -r cid address; do
  ip netns exec "$node" ping -c 1 -W 2 "$address" >/dev/null 2>&1 || unreachable=$((unreachable + 1))
done <"$work/held"
lines_in() { cat "$@" 2>/dev/null | wc -l || true; }  # files that were never written count as empty
wrong=$(lines_in "$work"/wrong.*)
add_failures=$(lines_in "$work"/add-failures.*)
check_failures=$(lines_in "$work"/check-failures.*)

cat <<EOF
operations: $done_ops in ${elapsed}s ($clients clients, $pods pods), particled SIGKILLed $killed times
ADDs refused while particled was down (then DELed, as runtimes do): $add_failures
CHECKs answered 11 (they raced a kill): $check_failures
attached at the end: $(wc -l <"$work/attached"), addresses held: $(wc -l <"$work/held")
addresses held twice: $duplicates
addresses held by nobody: $held_by_nobody
attachments lost: $lost
stray host links: $stray_links
stray pod interfaces: $stray_pod_links
stray namespaces: $stray_namespaces
pending-DEL notes left: $notes
attached but unreachable: $unreachable
operations with a wrong outcome (a DEL failed, or an error other than 11): $wrong
EOF
[ "$wrong" -eq 0 ] || cat "$work"/wrong.* | head -5
bad=$(( duplicates + held_by_nobody + lost + stray_links + stray_pod_links + stray_namespaces + notes + unreachable + wrong ))
if [ $bad -ne 0 ]; then
  echo "soak: FAILED" >&2
  tail -30 "$work/particled.log" >&2
  exit 1
fi
echo "soak: ok"
