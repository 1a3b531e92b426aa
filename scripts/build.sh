#!/usr/bin/env bash
# Publishes every ParticleCni binary (native AOT, linux-x64) into artifacts/bin/.
#   scripts/build.sh            particle, particled, particlectl
# PARTICLE_BUILD_DIR moves the intermediate build folder (default: .build/ in the checkout).
set -euo pipefail
cd "$(dirname "$0")/.."

out=${PARTICLE_BIN_DIR:-$PWD/artifacts/bin}
mkdir -p "$out"
for project in Particle.Cni Particle.Daemon Particle.Ctl; do
  dotnet publish "src/$project" -c Release -r linux-x64 -o "$out" --nologo -v quiet -clp:NoSummary
done
rm -f "$out"/*.dbg "$out"/*.pdb
ls -l "$out"
