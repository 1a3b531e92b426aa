#!/usr/bin/env bash
# Runs every fuzz target (tests/*/Fuzz, CsCheck) for longer than CI does and prints executions per target.
#   scripts/fuzz.sh [--seconds N]     N seconds per target (default 60; CI runs 3)
# Needs root (the netlink target captures real kernel replies inside a namespace of its own).
# A failure prints CsCheck's seed and the shrunk input; rerun with CsCheck_Seed=SEED to reproduce it.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60
while [[ $# -gt 0 ]]; do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    *) echo "usage: $0 [--seconds N]" >&2; exit 2 ;;
  esac
done

report=$(mktemp /tmp/particle-fuzz.XXXXXX)
trap 'rm -f "$report"' EXIT
status=0
for project in Particle.Cni.Tests Particle.Protocol.Tests Particle.Netlink.Tests; do
  PARTICLE_FUZZ_SECONDS=$seconds PARTICLE_FUZZ_REPORT=$report \
    dotnet test "tests/$project" --nologo --filter "FullyQualifiedName~.Fuzz." || status=1
done

printf '%-32s %14s %8s %12s\n' target executions seconds exec/s
sort "$report" | awk -F'\t' '{ printf "%-32s %14d %8.1f %12.0f\n", $1, $2, $3, ($3 > 0 ? $2 / $3 : 0); total += $2 }
  END { printf "%-32s %14d\n", "total", total }'
exit $status
