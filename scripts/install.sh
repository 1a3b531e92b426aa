#!/usr/bin/env bash
# Installs ParticleCni on this node:
#   particle            -> /opt/cni/bin/particle
#   particled           -> /usr/local/bin/particled     (and particlectl, once it is built)
#   systemd unit        -> /etc/systemd/system/particled.service
#   node config         -> /etc/particle/particled.json          (kept if it already exists)
#   network config      -> /etc/cni/net.d/10-particle.conflist   (kept if it already exists)
# and records exactly what it added in /etc/particle/install-manifest, which scripts/uninstall.sh reads.
#   scripts/install.sh [--no-build] [--force-config]
# DESTDIR=DIR installs under DIR instead of / (packaging, tests). It does not start anything.
set -euo pipefail
cd "$(dirname "$0")/.."

build=1 force=0
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0; shift ;;
    --force-config) force=1; shift ;;
    *) echo "usage: $0 [--no-build] [--force-config]" >&2; exit 2 ;;
  esac
done
root=${DESTDIR:-}
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

put_binary "$bin/particle" /opt/cni/bin/particle
put_binary "$bin/particled" /usr/local/bin/particled
[ -x "$bin/particlectl" ] && put_binary "$bin/particlectl" /usr/local/bin/particlectl
put_config deploy/systemd/particled.service /etc/systemd/system/particled.service 0644
put_config cni-conf/particled.json /etc/particle/particled.json 0644
put_config cni-conf/10-particle.conflist /etc/cni/net.d/10-particle.conflist 0644
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
