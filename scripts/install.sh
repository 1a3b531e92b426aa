#!/usr/bin/env bash
# Installs ParticleCni on this node:
#   particle            -> /opt/cni/bin/particle
#   particled           -> /usr/local/bin/particled     (and particlectl, once it is built)
#   systemd unit        -> /etc/systemd/system/particled.service
#   node config         -> /etc/particle/particled.json          (kept if it already exists)
#   network config      -> /etc/cni/net.d/10-particle.conflist   (kept if it already exists)
# and records exactly what it added in /etc/particle/install-manifest, which scripts/uninstall.sh reads.
# The plugin and the conflist also go where the node's runtime looks: containerd's CRI plugin reads
# its `bin_dir` and `conf_dir` from /etc/containerd/config.toml (Debian's package sets bin_dir =
# "/usr/lib/cni", which must also hold `loopback`), and takes exactly one of each, so /opt/cni/bin alone
# would leave every pod failing with "failed to find plugin". --cni-bin-dir/--cni-conf-dir add folders
# by hand (repeatable) for runtimes whose config is not read here (CRI-O, podman's cni_plugin_dirs).
#   scripts/install.sh [--no-build] [--force-config] [--cni-bin-dir DIR]... [--cni-conf-dir DIR]...
# DESTDIR=DIR installs under DIR instead of / (packaging, tests). It does not start anything.
set -euo pipefail
cd "$(dirname "$0")/.."

build=1 force=0
bin_dirs=(/opt/cni/bin) conf_dirs=(/etc/cni/net.d)
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0; shift ;;
    --force-config) force=1; shift ;;
    --cni-bin-dir) bin_dirs+=("${2:?}"); shift 2 ;;
    --cni-conf-dir) conf_dirs+=("${2:?}"); shift 2 ;;
    *) echo "usage: $0 [--no-build] [--force-config] [--cni-bin-dir DIR]... [--cni-conf-dir DIR]..." >&2; exit 2 ;;
  esac
done
root=${DESTDIR:-}

# One key of the CRI plugin's [cni] table in a containerd config (version 2: plugins."io.containerd.grpc.v1.cri".cni,
# version 1: plugins.cri.cni), or nothing. A plain reader for the one-line `key = "value"` form containerd writes.
containerd_cni() { # config key
  awk -v key="$2" '
    /^[[:space:]]*\[/ { gsub(/[[:space:]]/, ""); section = $0; next }
    section == "[plugins.\"io.containerd.grpc.v1.cri\".cni]" || section == "[plugins.cri.cni]" {
      if (match($0, "^[[:space:]]*" key "[[:space:]]*=[[:space:]]*\"[^\"]*\"")) {
        value = substr($0, RSTART, RLENGTH); sub(/^[^"]*"/, "", value); sub(/"$/, "", value); print value; exit
      }
    }' "$1"
}
containerd_config="$root/etc/containerd/config.toml"
if [ -f "$containerd_config" ]; then
  dir=$(containerd_cni "$containerd_config" bin_dir)
  [ -n "$dir" ] && bin_dirs+=("$dir") && echo "containerd's CRI plugin looks for plugins in $dir"
  dir=$(containerd_cni "$containerd_config" conf_dir)
  [ -n "$dir" ] && conf_dirs+=("$dir")
fi
[ -n "$root" ] || [ "$(id -u)" = 0 ] || { echo "install.sh must run as root (or with DESTDIR)" >&2; exit 1; }
[ $build = 1 ] && bash scripts/build.sh >/dev/null
bin=${PARTICLE_BIN_DIR:-$PWD/artifacts/bin}
for f in particle particled; do
  [ -x "$bin/$f" ] || { echo "$bin/$f is missing: run scripts/build.sh first" >&2; exit 1; }
done

manifest="$root/etc/particle/install-manifest"
tmp_manifest=$(mktemp)
trap 'rm -f "$tmp_manifest"' EXIT
[ -f "$manifest" ] && cp "$manifest" "$tmp_manifest"

record() { grep -qxF "$1" "$tmp_manifest" || echo "$1" >>"$tmp_manifest"; }
# Creates a folder and whichever of its parents are missing, recording each (with a trailing /) so that
# uninstall removes the folders it made and no others.
ensure_dir() { # absolute path
  [ -d "$root$1" ] && return
  ensure_dir "$(dirname "$1")"
  mkdir -m 0755 "$root$1"
  record "$1/"
}
ensure_dir /etc/particle

# Binaries (and the docs) are replaced on every install, an upgrade; atomically, so a runtime never execs
# half a file.
put_binary() { # source target [mode]
  ensure_dir "$(dirname "$2")"
  install -m "${3:-0755}" "$1" "$root$2.particle-new"
  mv -f "$root$2.particle-new" "$root$2"
  record "$2"
}
# Configuration an operator may have edited is kept unless --force-config.
put_config() { # source target mode
  ensure_dir "$(dirname "$2")"
  if [ -e "$root$2" ] && [ $force = 0 ]; then
    echo "kept existing $2"
    return
  fi
  install -m "$3" "$1" "$root$2"
  record "$2"
}

declare -A seen=() seen_conf=()
for dir in "${bin_dirs[@]}"; do
  [ -n "${seen[$dir]:-}" ] && continue
  seen[$dir]=1
  put_binary "$bin/particle" "$dir/particle"
  [ "$dir" = /opt/cni/bin ] || [ -e "$root$dir/loopback" ] ||
    echo "warning: $dir has no loopback plugin; containerd runs it on every pod (install containernetworking-plugins)" >&2
done
put_binary "$bin/particled" /usr/local/bin/particled
[ -x "$bin/particlectl" ] && put_binary "$bin/particlectl" /usr/local/bin/particlectl
put_config deploy/systemd/particled.service /etc/systemd/system/particled.service 0644
put_config cni-conf/particled.json /etc/particle/particled.json 0644
for dir in "${conf_dirs[@]}"; do
  [ -n "${seen_conf[$dir]:-}" ] && continue
  seen_conf[$dir]=1
  put_config cni-conf/10-particle.conflist "$dir/10-particle.conflist" 0644
done
put_binary README.md /usr/local/share/doc/particle/README.md 0644

# The manifest lists folders before the files in them; uninstall reads it backwards.
install -m 0644 "$tmp_manifest" "$manifest"
echo "installed; manifest: /etc/particle/install-manifest"
if [ -z "$root" ] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  echo "start it with: systemctl enable --now particled"
else
  echo "start it with: particled --config /etc/particle/particled.json"
fi
