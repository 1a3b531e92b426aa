#!/usr/bin/env bash
# Measures the kernel cost of every way particled could make or undo an attachment (tools/KernelPaths):
# ADD by creating the veth with its peer in the pod namespace, or by moving a pre-created peer in; DEL by
# deleting the veth, detaching the host end, or moving the pod end out; background deletion one by one or
# as a device group. The numbers and the choice made from them are in docs/performance.md.
#   scripts/measure-kernel-paths.sh [COUNT]      (default 200 attachments per path)
# Must run as root. Everything lives in namespaces named pep-kp-<pid>-*, removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-200}
prefix=pep-kp-$$
cleanup() {
  set +e
  for ns in $(ip netns list | awk '{print $1}' | grep "^$prefix-"); do ip netns del "$ns"; done
}
trap cleanup EXIT
ip netns add "$prefix-node"
ip -n "$prefix-node" link set lo up
for ((i = 0; i < count; i++)); do ip netns add "$prefix-p$i"; done
dotnet run -c Release --project tools/KernelPaths -- "/run/netns/$prefix-node" "/run/netns/$prefix-p" "$count"
