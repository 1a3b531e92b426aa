#!/usr/bin/env bash
# The plugin's own exec overhead, without the daemon: `particle` answering VERSION against a bare native
# AOT process that reads the same configuration and writes the same JSON (tools/BareJsonProcess), and the
# reference bridge plugin, timed by hyperfine in the same run. Prints the medians and the ratios.
#   scripts/bench-startup.sh [--runs N] [--no-build]     (default 300 runs each)
# Needs PARTICLE_BIN_DIR (default artifacts/bin) with `particle` unless it builds; touches no network.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=300
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    *) echo "usage: $0 [--runs N] [--no-build]" >&2; exit 2 ;;
  esac
done
bin=${PARTICLE_BIN_DIR:-$PWD/artifacts/bin}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ "$build" = 1 ] && bash scripts/build.sh >/dev/null
dotnet publish tools/BareJsonProcess -c Release -o "$work/bare" --nologo -v quiet >/dev/null
conf='{"cniVersion":"1.1.0","name":"bench","type":"particle"}'
printf '%s' "$conf" >"$work/conf.json"
export CNI_COMMAND=VERSION

# Through the shell so that stdin can be the configuration; hyperfine measures and subtracts the shell's own cost.
hyperfine --runs "$runs" --warmup 20 --export-json "$work/times.json" \
  -n bare-aot "$work/bare/BareJsonProcess < $work/conf.json" \
  -n particle "$bin/particle < $work/conf.json" \
  -n bridge "/usr/lib/cni/bridge < $work/conf.json" >/dev/null

jq -r '.results | (map({(.command): .median}) | add) as $m
  | .[] | "\(.command | . + (" " * (10 - length)))  median \(.median * 1000 | . * 100 | round / 100) ms  min \(.min * 1000 | . * 100 | round / 100) ms  vs bare-aot \((.median / $m["bare-aot"]) * 100 | round / 100)x"' "$work/times.json"
printf 'sizes: particle %s bytes, bare-aot %s bytes\n' "$(stat -c %s "$bin/particle")" "$(stat -c %s "$work/bare/BareJsonProcess")"
