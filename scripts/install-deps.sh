#!/usr/bin/env bash
# Installs the Debian packages that the tests, the demo and the benchmarks use, when any is missing:
# iproute2 (to observe), ping, the reference CNI plugins (the baseline and the chaining tests), jq,
# hyperfine and iptables (used by the reference portmap and firewall plugins).
set -euo pipefail

need=()
command -v ip >/dev/null || need+=(iproute2)
command -v ping >/dev/null || need+=(iputils-ping)
[ -x /usr/lib/cni/bridge ] || need+=(containernetworking-plugins)
command -v jq >/dev/null || need+=(jq)
command -v hyperfine >/dev/null || need+=(hyperfine)
command -v iptables >/dev/null || need+=(iptables)   # the chained portmap and firewall plugins use it
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
