#!/usr/bin/env bash
# The acceptance suites (test/acceptance) against each Pocket-ID release the test server plays but the
# newest: the projen build's jest run already ran them against the newest (see the README's "Pocket-ID
# releases"). Each release gets its own jest run and report, test-reports/junit-<release>.xml.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

releases=(2.14.0 2.15.0 2.16.0 2.17.0)
for release in "${releases[@]}"; do
  echo "==> acceptance suites against the test server playing Pocket-ID $release"
  POCKETID_TEST_SERVER_VERSION="$release" JEST_JUNIT_OUTPUT_NAME="junit-$release.xml" \
    npx jest test/acceptance --coverage=false --ci
  node scripts/print-jest-summary.js "test-reports/junit-$release.xml"
done
