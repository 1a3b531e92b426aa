#!/usr/bin/env bash
# Removes exactly what scripts/install.sh added (listed in /etc/particle/install-manifest), and the
# folders it created if they are left empty. Files an operator had before the install are untouched.
# Running pods keep their interfaces (but lose egress: the firewall table goes); stop particled first if it runs.
#   DESTDIR=DIR scripts/uninstall.sh   (the same DESTDIR as the install)
set -euo pipefail

root=${DESTDIR:-}
[ -n "$root" ] || [ "$(id -u)" = 0 ] || { echo "uninstall.sh must run as root (or with DESTDIR)" >&2; exit 1; }
manifest="$root/etc/particle/install-manifest"
[ -f "$manifest" ] || { echo "nothing to uninstall: $manifest is missing" >&2; exit 1; }

entries=$(tac "$manifest")
rm -f "$manifest"
# Newest first: files before the folders that install.sh created for them.
while IFS= read -r path; do
  case "$path" in
    /*/) rmdir "$root$path" 2>/dev/null || echo "kept ${path%/}: not empty" >&2 ;;
    /*) if [ -L "$root$path" ]; then echo "skipping $path: it is now a symbolic link" >&2; else rm -f "$root$path"; fi ;;
    *) echo "skipping a relative path in the manifest: $path" >&2 ;;
  esac
done <<<"$entries"
if [ -z "$root" ] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
fi
# particled's firewall table (egress, isolation) stays while particled is stopped, so running pods keep
# their egress across restarts; uninstalling takes it away.
if [ -z "$root" ] && command -v nft >/dev/null && nft list table inet particle >/dev/null 2>&1; then
  nft delete table inet particle && echo "removed nftables table inet particle"
fi
echo "uninstalled"
