#!/usr/bin/env bash
# The whole test suite, installs included: the projen build (bundle, jsii compile, API.md, jest with
# moto and the Pocket-ID test server playing the newest release, eslint), the acceptance suites against
# the test server playing each older release, the jsii packages for Python, Java and Go, and a synth
# test in each of those languages against the built packages.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS

bash scripts/install.sh --with-moto
# The project's Node.js 24 (the npm package `node`), on which the handler runs in Lambda: projen, jsii,
# jest and the jsii runtimes of the language tests run on it too.
export PATH="$PWD/node_modules/.bin:$PATH"

echo "==> projen build"
npx projen build

# projen's `package` task packs only JavaScript when CI is set; the language tests need every target.
if [ -n "${CI:-}" ]; then
  echo "==> jsii packages for Java, Python and Go"
  npx projen package:java
  npx projen package:python
  npx projen package:go
fi

echo "==> acceptance suites against every other Pocket-ID release"
bash scripts/acceptance-matrix.sh

echo "==> language tests"
bash scripts/test-languages.sh

node scripts/print-jest-summary.js test-reports/junit.xml
echo "==> whole suite passed in $((SECONDS - started)) s"
