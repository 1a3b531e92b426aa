#!/usr/bin/env bash
# Overlay benchmarks, as root, everything inside namespaces made for the run and removed after:
#   scripts/bench-overlay.sh [--seconds S] [--rounds R] [--mesh-nodes N] [--backend static|etcd] [--mesh-only]
# 1. Throughput: iperf3 (TCP, S seconds) from a pod on node 1 to a pod on node 2 through particle's overlay
#    (scripts/cluster.sh, static backend), and the same between two pods of a hand-built Linux overlay
#    (VXLAN in a bridge, static FDB, same underlay, same MTU) — alternated R times in the same run, ratio printed.
# 2. Mesh programming: a cluster of N nodes (default 50); one node leaves and joins again; the time from
#    its join until every other node has programmed it (from particled's own log lines), and particled's
#    resident memory per node. static: the node is taken out of the nodes file and put back (join = the
#    file rename). etcd: its particled stops and its subnet key is deleted, then it starts again (join =
#    its own log line "cluster: node N on underlay ...", written just before it asks etcd for a lease, so
#    the time includes the join's own requests: lease grant, read, transaction).
# --mesh-only skips part 1.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=5 rounds=2 mesh=50 backend=static mesh_only=no
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --mesh-nodes) mesh=$2; shift 2 ;;
    --backend) backend=$2; shift 2 ;;
    --mesh-only) mesh_only=yes; shift ;;
    *) echo "usage: $0 [--seconds S] [--rounds R] [--mesh-nodes N] [--backend static|etcd] [--mesh-only]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "bench-overlay.sh must run as root" >&2; exit 1; }
command -v iperf3 >/dev/null && command -v jq >/dev/null || bash scripts/install-deps.sh
export PARTICLE_BIN_DIR=${PARTICLE_BIN_DIR:-$PWD/artifacts/bin}
[ -x "$PARTICLE_BIN_DIR/particled" ] || bash scripts/build.sh >/dev/null

id=$(head -c3 /dev/urandom | od -An -tx1 | tr -d ' \n')
work=$(mktemp -d /tmp/particle-bench-overlay.XXXXXX)
hand="pbo-$id-hand"
cleanup() {
  for d in "$work"/cluster-*; do [ -f "$d/cluster.env" ] && bash scripts/cluster.sh down --dir "$d" >/dev/null 2>&1; done
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$hand-" || true); do ip netns del "$ns"; done
  for job in $(jobs -p); do kill "$job" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

# ---- 1. throughput ------------------------------------------------------------------------------------
if [ "$mesh_only" = no ]; then
echo "== throughput: particle overlay vs hand-built VXLAN+bridge, ${seconds}s iperf3, $rounds round(s)"
bash scripts/cluster.sh up --nodes 2 --tenants 1 --pods 1 --dir "$work/cluster-tp" --prefix "pbo-$id-p" >/dev/null
p_src="pbo-$id-p-n1-t1-p1" p_dst="pbo-$id-p-n2-t1-p1"
p_addr=$(awk -v ns="$p_dst" '$1 == ns {print $3}' "$work/cluster-tp/pods")

# The hand-built overlay: the same underlay shape; per node a bridge with a VXLAN port (VNI 42, nolearning,
# static FDB to the other node) and one pod on a veth; pods share 10.99.0.0/24, MTU 1450 like particle's.
ip netns add "$hand-ul"
ip -n "$hand-ul" link add ul type bridge && ip -n "$hand-ul" link set ul up
for n in 1 2; do
  node="$hand-n$n" pod="$hand-n$n-pod"
  ip netns add "$node"; ip netns add "$pod"
  ip -n "$hand-ul" link add "n$n" type veth peer name ul0 netns "$node"
  ip -n "$hand-ul" link set "n$n" master ul up
  ip -n "$node" addr add "198.18.0.$n/24" dev ul0; ip -n "$node" link set ul0 up; ip -n "$node" link set lo up
  ip -n "$node" link add br0 mtu 1450 type bridge; ip -n "$node" link set br0 up
  ip -n "$node" link add vx0 mtu 1450 type vxlan id 42 dstport 4789 local "198.18.0.$n" dev ul0 nolearning
  ip -n "$node" link set vx0 master br0 up
  ip -n "$node" link add veth0 mtu 1450 type veth peer name eth0 netns "$pod"
  ip -n "$node" link set veth0 master br0 up
  ip -n "$pod" addr add "10.99.0.$n/24" dev eth0; ip -n "$pod" link set eth0 up; ip -n "$pod" link set lo up
done
for n in 1 2; do
  other=$((3 - n))
  ip netns exec "$hand-n$n" bridge fdb append 00:00:00:00:00:00 dev vx0 dst "198.18.0.$other"
done
ip netns exec "$hand-n1-pod" ping -c1 -W2 10.99.0.2 >/dev/null || { echo "hand-built overlay does not work" >&2; exit 1; }
ip netns exec "$p_src" ping -c1 -W2 "$p_addr" >/dev/null || { echo "particle overlay does not work" >&2; exit 1; }

iperf() {   # iperf SRC_NS DST_NS DST_ADDR: prints Gbit/s received
  ip netns exec "$2" iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
  local server=$!
  for _ in $(seq 1 50); do ip netns exec "$2" ss -Hltn | grep -q ':5201 ' && break; sleep 0.1; done
  ip netns exec "$1" iperf3 -c "$3" -p 5201 -t "$seconds" -J | jq '.end.sum_received.bits_per_second / 1e9'
  wait $server 2>/dev/null || true
}
p_sum=0 h_sum=0 ratios=()
for r in $(seq 1 "$rounds"); do
  # Who goes first alternates, so a trend in the machine's load favours neither.
  if [ $((r % 2)) = 1 ]; then
    p=$(iperf "$p_src" "$p_dst" "$p_addr"); h=$(iperf "$hand-n1-pod" "$hand-n2-pod" 10.99.0.2)
  else
    h=$(iperf "$hand-n1-pod" "$hand-n2-pod" 10.99.0.2); p=$(iperf "$p_src" "$p_dst" "$p_addr")
  fi
  printf "round %d: particle %.2f Gbit/s, hand-built %.2f Gbit/s\n" "$r" "$p" "$h"
  p_sum=$(echo "$p_sum + $p" | bc -l); h_sum=$(echo "$h_sum + $h" | bc -l)
  ratios+=("$(echo "$p / $h" | bc -l)")
done
median=$(printf "%s\n" "${ratios[@]}" | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}')
printf "throughput ratio particle/hand-built: %.3f (total of %d rounds), median per-round ratio %.3f\n" \
  "$(echo "$p_sum / $h_sum" | bc -l)" "$rounds" "$median"
printf "load average during the run: %s\n" "$(cut -d' ' -f1-3 /proc/loadavg)"
bash scripts/cluster.sh down --dir "$work/cluster-tp" >/dev/null
for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$hand-" || true); do ip netns del "$ns"; done
fi

# ---- 2. mesh programming ------------------------------------------------------------------------------
echo "== mesh programming: $mesh nodes, $backend backend"
dir="$work/cluster-mesh"
bash scripts/cluster.sh up --nodes "$mesh" --tenants 1 --pods 0 --backend "$backend" --dir "$dir" --prefix "pbo-$id-m" >/dev/null
last="n$mesh"
programmed() {   # programmed NODE: how many other nodes' logs say NODE's newest appearance is programmed
  local count=0
  for n in $(seq 1 $((mesh - 1))); do
    [ "$(grep -c "peer $1 .* programmed" "$dir/n$n/log" || true)" -ge "$2" ] && count=$((count + 1))
  done
  echo $count
}
for _ in $(seq 1 300); do [ "$(programmed "$last" 1)" = $((mesh - 1)) ] && break; sleep 0.1; done
[ "$(programmed "$last" 1)" = $((mesh - 1)) ] || { echo "the initial mesh did not form in 30 s" >&2; exit 1; }

wait_removed() {
  for _ in $(seq 1 300); do
    gone=0
    for n in $(seq 1 $((mesh - 1))); do grep -q "peer $last .* removed" "$dir/n$n/log" && gone=$((gone + 1)); done
    [ $gone = $((mesh - 1)) ] && return 0; sleep 0.1
  done
  echo "not every node removed $last within 30 s" >&2; return 1
}
if [ "$backend" = static ]; then
  jq --arg n "$last" '.nodes |= map(select(.name != $n))' "$dir/nodes.json" > "$dir/nodes.json.tmp" && cp "$dir/nodes.json" "$work/nodes.full"
  mv "$dir/nodes.json.tmp" "$dir/nodes.json"
  wait_removed
  cp "$work/nodes.full" "$dir/nodes.json.tmp"
  start=$(date +%s.%N)
  mv "$dir/nodes.json.tmp" "$dir/nodes.json"
else
  # particled leaves its lease to expire on SIGTERM (an upgrade must not cut its pods off); deleting its key
  # is what the expiry would do, without waiting the TTL.
  pid=$(cat "$dir/$last/pid"); kill "$pid"
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  subnet=$(cat "$dir/$last/state/subnet.t1")
  ip netns exec "pbo-$id-m-etcd" etcdctl --endpoints http://198.18.0.254:2379 del "/particle/networks/t1/subnets/${subnet/\//-}" >/dev/null
  wait_removed
  launched=$(date +%s.%N)
  nsenter --net="/run/netns/pbo-$id-m-$last" "$PARTICLE_BIN_DIR/particled" --config "$dir/$last/node.json" >> "$dir/$last/log" 2>&1 &
  echo $! > "$dir/$last/pid"
  for _ in $(seq 1 150); do [ "$(grep -c "holds $subnet" "$dir/$last/log")" -ge 2 ] && break; sleep 0.1; done
  [ "$(grep -c "holds $subnet" "$dir/$last/log")" -ge 2 ] || { echo "$last did not join again within 15 s" >&2; exit 1; }
  start=$(date -d "$(grep "cluster: node $last on underlay" "$dir/$last/log" | tail -1 | awk '{print $1}')" +%s.%N)
fi
for _ in $(seq 1 300); do [ "$(programmed "$last" 2)" = $((mesh - 1)) ] && break; sleep 0.05; done
[ "$(programmed "$last" 2)" = $((mesh - 1)) ] || { echo "not every node programmed $last again within 15 s" >&2; exit 1; }
latest=0
for n in $(seq 1 $((mesh - 1))); do
  stamp=$(grep "peer $last .* programmed" "$dir/n$n/log" | tail -1 | awk '{print $1}')
  t=$(date -d "$stamp" +%s.%N)
  latest=$(echo "if ($t > $latest) $t else $latest" | bc -l)
done
printf "mesh programming (%s): %d nodes programmed %s within %.0f ms of its join\n" \
  "$backend" $((mesh - 1)) "$last" "$(echo "($latest - $start) * 1000" | bc -l)"
[ "$backend" = etcd ] && printf "  (%.0f ms from starting its particled, which includes the process start and the join itself)\n" \
  "$(echo "($latest - $launched) * 1000" | bc -l)"
rss=0
for n in $(seq 1 "$mesh"); do rss=$((rss + $(awk '/VmRSS/ {print $2}' "/proc/$(cat "$dir/n$n/pid")/status"))); done
printf "particled resident memory: %.1f MiB per node (mean of %d)\n" "$(echo "$rss / $mesh / 1024" | bc -l)" "$mesh"
