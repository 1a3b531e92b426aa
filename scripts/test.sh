#!/usr/bin/env bash
# Runs every test: installs what the tests need, publishes the AOT binaries (the end-to-end tests drive
# them as a runtime would), then runs all test projects. Must run as root: the kernel tests create
# network namespaces (all of their network objects live inside namespaces they make and remove).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
  echo "scripts/test.sh must run as root (kernel and end-to-end tests create network namespaces)" >&2
  exit 1
fi

bash scripts/install-deps.sh
dotnet restore ParticleCni.sln --nologo -v quiet
bash scripts/build.sh >/dev/null
export PARTICLE_BIN_DIR=${PARTICLE_BIN_DIR:-$PWD/artifacts/bin}

# The previous release (the commit in tests/baseline-release) for the upgrade test, built from git
# history into artifacts/baseline once per commit.
baseline=$(cat tests/baseline-release)
export PARTICLE_BASELINE_BIN_DIR=${PARTICLE_BASELINE_BIN_DIR:-$PWD/artifacts/baseline}
if [ "$(cat "$PARTICLE_BASELINE_BIN_DIR/commit" 2>/dev/null)" != "$baseline" ]; then
  if ! git cat-file -e "$baseline^{commit}" 2>/dev/null; then
    git fetch -q --depth 1 origin "$baseline" || { echo "test.sh: the bridge release $baseline (tests/baseline-release) is not in this clone's history; the upgrade test needs it" >&2; exit 1; }
  fi
  tree=$(mktemp -d)
  git archive "$baseline" | tar -x -C "$tree"
  PARTICLE_BIN_DIR=$PARTICLE_BASELINE_BIN_DIR bash "$tree/scripts/build.sh" >/dev/null
  echo "$baseline" >"$PARTICLE_BASELINE_BIN_DIR/commit"
  rm -rf "$tree"
fi

namespaces_before=$(ip netns list | awk '{print $1}' | sort)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test ParticleCni.sln --no-restore --nologo --logger "console;verbosity=minimal" -- RunConfiguration.TreatNoTestsAsError=true 2>&1 | tee "$log" || status=$?

# A short soak: concurrent ADD/DEL/CHECK while particled is SIGKILLed; it checks that nothing leaked.
bash scripts/soak.sh --ops 600 --clients 8 --pods 40 --kills 4 --no-build || status=1
# The burst benchmark in quick mode: it asserts correctness (every pod reachable, no duplicate address,
# nothing left behind), not speed.
bash scripts/bench.sh --quick --no-build || status=1

# One plain summary line for the whole run, summed over the test assemblies.
awk -F'[:,]' '/(Passed|Failed)! +- +Failed:/ { f += $2; p += $4; s += $6 }
  END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
leftover=$(comm -13 <(echo "$namespaces_before") <(ip netns list | awk '{print $1}' | sort) | tr '\n' ' ')
if [ -n "$leftover" ]; then
  echo "tests left network namespaces behind: $leftover" >&2
  status=1
fi
exit $status
