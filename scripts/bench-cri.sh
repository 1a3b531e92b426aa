#!/usr/bin/env bash
# The Kubernetes node path under a burst: N RunPodSandbox calls, C in flight (kubelet starting many pods
# at once), against one private containerd 1.6 with its CRI plugin, three ways in the same run:
#   particle    containerd's default runtime handler, cni-conf/10-particle.conflist -> particled
#   reference   a second runtime handler (same runc) whose cni_conf_dir holds Debian's bridge + host-local
#   hostnet     host-network pods: no network namespace, no CNI call; the sandbox start-up without any
#               network, so (particle - hostnet) is the network's share of a sandbox's start
# RunPodSandbox returns once the sandbox is ready (namespace made, CNI ADD done, pause running). Per
# system: p50/p99 of RunPodSandbox, the time until all N were ready, and p50/p99 of Stop+Remove (which
# sends the DEL). p50/p99 are nearest-rank.
#
#   scripts/bench-cri.sh [--quick] [--pods N] [--concurrency C] [--rounds R] [--out DIR] [--no-build]
#     --quick        CI size: 12 pods, 4 at a time (the size CriBurstTests runs in the normal test run)
#     --rounds R     repeat the three bursts R times (default 1), each round on a fresh containerd and
#                    in a rotated order (particle first, then reference first, then hostnet first)
#     --out DIR      where bench-cri.csv goes (default artifacts/bench)
#     --no-build     use the binaries in PARTICLE_BIN_DIR (default artifacts/bin) and the built tests
#
# The burst is tests/Particle.EndToEnd.Tests/Cri/CriBurstTests.cs (its CRI client, pause image and
# private containerd are the tests' own): this script sizes it with PARTICLE_CRI_BURST and collects the
# rows it prints. That test also asserts correctness at every size: every sandbox ready with an address
# of its own, every address and veth released, host-local's reservations gone, nothing left on the
# machine (containerd's folders, mounts, cgroups, shims, libcni's cache entries).
#
# Must run as root. Safety: as the tests: containerd and particled run in a test node namespace
# (pcri-*), pods' namespaces are pinned under containerd's private state folder, nothing is added to the
# root namespace.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

pods=100
concurrency=16
rounds=1
out_dir=$PWD/artifacts/bench
build=1
while [ $# -gt 0 ]; do
  case $1 in
    --quick) pods=12; concurrency=4; shift ;;
    --pods) pods=${2:?}; shift 2 ;;
    --concurrency) concurrency=${2:?}; shift 2 ;;
    --rounds) rounds=${2:?}; shift 2 ;;
    --out) out_dir=${2:?}; shift 2 ;;
    --no-build) build=0; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
if [ "$(id -u)" != 0 ]; then
  echo "scripts/bench-cri.sh must run as root (it runs containerd and particled in a test node namespace)" >&2
  exit 1
fi

export PARTICLE_BIN_DIR=${PARTICLE_BIN_DIR:-$PWD/artifacts/bin}
if [ $build = 1 ]; then
  bash scripts/build.sh >/dev/null
  dotnet build tests/Particle.EndToEnd.Tests --nologo -v quiet -clp:NoSummary >/dev/null
fi

mkdir -p "$out_dir"
csv=$out_dir/bench-cri.csv
log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "round,system,pods,concurrency,run_p50_ms,run_p99_ms,all_ready_ms,stop_p50_ms,stop_p99_ms" > "$csv"
status=0
orders=("particle,reference,hostnet" "reference,hostnet,particle" "hostnet,particle,reference")
for round in $(seq 1 "$rounds"); do
  # Each round starts with another system, so that none always meets a fresh (or a tired) containerd.
  order=${orders[$(( (round - 1) % 3 ))]}
  if ! PARTICLE_CRI_BURST="$pods $concurrency $order" timeout 1800 dotnet test tests/Particle.EndToEnd.Tests --no-build --nologo \
      --filter "FullyQualifiedName~Cri.CriBurstTests" --logger "console;verbosity=detailed" > "$log" 2>&1; then
    grep -E "Failed|Error|Exception" "$log" | head -20 >&2 || true
    status=1
  fi
  grep -o 'cri-burst,[a-z]*,[0-9].*' "$log" | sed "s/^cri-burst,/$round,/" >> "$csv" || true
done

echo "CRI sandbox burst: $pods pods, $concurrency at a time, $rounds round(s); containerd $(containerd --version | awk '{print $3}')"
column -s, -t < "$csv"
# The network's share of a sandbox's start: what each system adds to a host-network sandbox's p50.
awk -F, 'NR > 1 { p50[$2] += $5; n[$2]++ }
  END { if (n["hostnet"] && n["particle"] && n["reference"]) {
          h = p50["hostnet"] / n["hostnet"]; p = p50["particle"] / n["particle"]; r = p50["reference"] / n["reference"]
          printf "network share of RunPodSandbox p50: particle %.0f ms of %.0f (%.0f%%), reference %.0f ms of %.0f (%.0f%%)\n",
            p - h, p, 100 * (p - h) / p, r - h, r, 100 * (r - h) / r } }' "$csv"
echo "csv: $csv"
exit $status
