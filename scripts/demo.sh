#!/usr/bin/env bash
# A first look at ParticleCni on one machine, as root:
#   scripts/demo.sh [--pods N] [--no-build]
# Installs what it needs, builds, starts particled in a throwaway node namespace, attaches N pods
# (network namespaces) through the particle plugin, pings between them, prints per-ADD and per-DEL
# timings, and removes everything it made. Nothing is configured outside the namespaces it creates.
set -euo pipefail
cd "$(dirname "$0")/.."

pods=4
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --pods) pods=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    *) echo "usage: $0 [--pods N] [--no-build]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "demo.sh must run as root (it creates network namespaces)" >&2; exit 1; }
[ "$pods" -ge 2 ] && [ "$pods" -le 200 ] || { echo "--pods must be between 2 and 200" >&2; exit 2; }

bash scripts/install-deps.sh
if [ $build = 1 ]; then
  echo "building (native AOT)..."
  bash scripts/build.sh >/dev/null
fi
bin=${PARTICLE_BIN_DIR:-$PWD/artifacts/bin}

prefix="pdemo-$$"
node="$prefix-node"
work=$(mktemp -d /tmp/particle-demo.XXXXXX)
daemon_pid=""
cleanup() {
  [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null || true
  for ns in $(ip netns list | awk '{print $1}' | grep "^$prefix-" || true); do ip netns del "$ns"; done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

cat > "$work/node.json" <<JSON
{
  "stateDir": "$work/state",
  "socketPath": "$work/particled.sock",
  "networks": [ { "name": "demo", "subnet": "10.199.0.0/24", "gatewayInterface": "demo0", "mtu": 1500 } ]
}
JSON
conf="{\"cniVersion\":\"1.0.0\",\"name\":\"demo\",\"type\":\"particle\",\"socket\":\"$work/particled.sock\",\"stateDir\":\"$work/state\"}"

ip netns add "$node"
ip -n "$node" link set lo up
ip netns exec "$node" "$bin/particled" --config "$work/node.json" >"$work/particled.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 100); do [ -S "$work/particled.sock" ] && break; sleep 0.05; done
[ -S "$work/particled.sock" ] || { cat "$work/particled.log"; echo "particled did not start" >&2; exit 1; }
echo "particled running in namespace $node (pid $daemon_pid), pod subnet 10.199.0.0/24"

now_ns() { date +%s%N; }
plugin() { # verb container netns
  CNI_COMMAND=$1 CNI_CONTAINERID=$2 CNI_NETNS=$3 CNI_IFNAME=eth0 CNI_PATH="$bin" "$bin/particle" <<<"$conf"
}

declare -a addr add_ms del_ms
for i in $(seq 0 $((pods - 1))); do
  ip netns add "$prefix-pod$i"
  start=$(now_ns)
  result=$(plugin ADD "demo-$i" "/run/netns/$prefix-pod$i")
  add_ms[$i]=$(( ($(now_ns) - start) / 1000 ))
  addr[$i]=$(jq -r '.ips[0].address' <<<"$result")
  printf '  pod%-3s %-16s ADD %6.2f ms\n' "$i" "${addr[$i]}" "$(awk "BEGIN{print ${add_ms[$i]}/1000}")"
done

echo "pings:"
failures=0
for i in $(seq 1 $((pods - 1))); do
  target=${addr[$i]%/*}
  if ip netns exec "$prefix-pod0" ping -c 1 -W 2 "$target" >/dev/null; then
    echo "  pod0 -> pod$i ($target): ok"
  else
    echo "  pod0 -> pod$i ($target): FAILED"; failures=$((failures + 1))
  fi
done
if ip netns exec "$node" ping -c 1 -W 2 "${addr[0]%/*}" >/dev/null; then
  echo "  node -> pod0: ok"
else
  echo "  node -> pod0: FAILED"; failures=$((failures + 1))
fi

for i in $(seq 0 $((pods - 1))); do
  start=$(now_ns)
  plugin DEL "demo-$i" "/run/netns/$prefix-pod$i"
  del_ms[$i]=$(( ($(now_ns) - start) / 1000 ))
done

stats() { tr ' ' '\n' | sort -n | awk '{v[NR]=$1} END {printf "median %.2f ms, max %.2f ms", v[int((NR+1)/2)]/1000, v[NR]/1000}'; }
echo "ADD ($pods pods): $(echo "${add_ms[@]}" | stats)"
echo "DEL ($pods pods): $(echo "${del_ms[@]}" | stats)"
left=$(ip -n "$node" -o link show | grep -c ' pc' || true)
echo "host interfaces left after DEL: $left"
[ "$failures" = 0 ] && [ "$left" = 0 ] || exit 1
echo "demo finished; cleaning up"
