#!/usr/bin/env bash
# Installs the Debian packages that the tests, the demo and the benchmarks use, when any is missing:
# iproute2 (to observe), ping, the reference CNI plugins (the baseline and the chaining tests), jq,
# hyperfine, iptables (used by the reference portmap and firewall plugins), and containerd, podman,
# runc and busybox-static for the tests that run real containers; gnuplot and time for bench.sh.
set -euo pipefail

need=()
command -v ip >/dev/null || need+=(iproute2)
command -v ping >/dev/null || need+=(iputils-ping)
[ -x /usr/lib/cni/bridge ] || need+=(containernetworking-plugins)
command -v jq >/dev/null || need+=(jq)
command -v hyperfine >/dev/null || need+=(hyperfine)
command -v iptables >/dev/null || need+=(iptables)   # the chained portmap and firewall plugins use it
command -v containerd >/dev/null || need+=(containerd)   # the end-to-end test with a real runtime
command -v runc >/dev/null || need+=(runc)
command -v podman >/dev/null || need+=(podman)
command -v gnuplot >/dev/null || need+=(gnuplot-nox)   # bench.sh's start-up plot (PNG)
[ -x /usr/bin/time ] || need+=(time)                   # bench.sh's peak RSS of the plugin (time -v)
dpkg -s busybox-static >/dev/null 2>&1 || need+=(busybox-static)   # a static /bin/busybox: the containers' root filesystem
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
