#!/usr/bin/env bash
# Installs the Debian packages that the tests, the demo and the benchmarks use, when any is missing:
# iproute2 (to observe), ping, the reference CNI plugins (the baseline and the chaining tests), jq, curl,
# hyperfine, iptables (used by the reference portmap and firewall plugins), and containerd, podman,
# runc and busybox-static for the tests that run real containers, etcd for the cluster store, iperf3
# and bc for the overlay benchmark, gnuplot and time for bench.sh, libnftables1 (particled's nftables
# tables) and nftables (the nft command the tests observe them with).
set -euo pipefail

need=()
command -v ip >/dev/null || need+=(iproute2)
command -v ping >/dev/null || need+=(iputils-ping)
[ -x /usr/lib/cni/bridge ] || need+=(containernetworking-plugins)
command -v jq >/dev/null || need+=(jq)
command -v curl >/dev/null || need+=(curl)   # the metrics tests and bench-metrics.sh scrape /metrics from inside a node namespace
command -v hyperfine >/dev/null || need+=(hyperfine)
command -v iptables >/dev/null || need+=(iptables)   # the chained portmap and firewall plugins use it
command -v containerd >/dev/null || need+=(containerd)   # the end-to-end test with a real runtime
command -v runc >/dev/null || need+=(runc)
command -v podman >/dev/null || need+=(podman)
command -v gnuplot >/dev/null || need+=(gnuplot-nox)   # bench.sh's start-up plot (PNG)
[ -x /usr/bin/time ] || need+=(time)                   # bench.sh's peak RSS of the plugin (time -v)
dpkg -s busybox-static >/dev/null 2>&1 || need+=(busybox-static)   # a static /bin/busybox: the containers' root filesystem
command -v etcd >/dev/null || need+=(etcd-server)      # etcd cluster store tests and scripts/cluster.sh --backend etcd run a real etcd in a namespace
command -v etcdctl >/dev/null || need+=(etcd-client)   # tests observe what the store wrote with etcdctl
python3 -c 'import yaml' 2>/dev/null || need+=(python3-yaml)   # deploy/kubernetes/check-manifest.py
command -v iperf3 >/dev/null || need+=(iperf3)           # scripts/bench-overlay.sh
command -v bc >/dev/null || need+=(bc)
dpkg -s libnftables1 >/dev/null 2>&1 || need+=(libnftables1)   # particled's nftables tables, through libnftables (LibraryImport)
command -v nft >/dev/null || need+=(nftables)          # tests observe the tables with nft and write kube-proxy's nftables-mode rules
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Packages must not start services of their own (etcd's would listen in the root namespace): the
  # tests start what they need inside namespaces. policy-rc.d is Debian's switch for that.
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
