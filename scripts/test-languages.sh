#!/usr/bin/env bash
# Installs the jsii packages that jsii-pacmak built into dist/ (`npx projen package-all`, or
# package:python, package:java and package:go) and runs one synth test in each language against them:
#   Python  test/languages/python  the wheel in a venv at test/languages/python/target/venv (pytest)
#   Java    test/languages/java    the jar and pom installed into the local Maven repository (JUnit 5)
#   Go      test/languages/go      the generated module through a replace directive (go test)
# Each test runs on the aws-cdk-lib and constructs versions of package.json (the floor of the peer
# dependencies). Installs are included, so it works on a fresh machine; later runs reuse the venv, the
# Maven repository and the Go module cache. Build outputs go to ignored paths only.
#
# Usage: scripts/test-languages.sh [python] [java] [go]     (default: all three)
# Exits non-zero if any language fails; the others still run.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
DIST="$ROOT/dist"
TESTS="$ROOT/test/languages"

# The jsii runtime of each language starts `node` from PATH: the project's own Node.js 24 (the npm
# package `node`, a dev dependency), a release jsii supports, comes first.
export PATH="$ROOT/node_modules/.bin:$PATH"
# No __pycache__ or pytest cache next to the (tracked) test sources.
export PYTHONDONTWRITEBYTECODE=1

PYTEST_VERSION="9.2.0"
MAVEN_INSTALL_PLUGIN="org.apache.maven.plugins:maven-install-plugin:3.1.2"

# exact_version FIELD: a field of package.json (a JS property path) that must hold an exact version.
exact_version() {
  local value
  value="$(node -p "require('./package.json').$1" 2>/dev/null || true)"
  if [[ ! "$value" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
    echo "package.json $1 is '$value', not an exact version" >&2
    return 1
  fi
  echo "$value"
}
CDK_VERSION="$(exact_version "devDependencies['aws-cdk-lib']")"
CONSTRUCTS_VERSION="$(exact_version "devDependencies['constructs']")"
# The version jsii compiled into the assembly, which is the one pacmak gave every package.
PACKAGE_VERSION="$(node -p "JSON.parse(require('fs').readFileSync('.jsii', 'utf8')).version" 2>/dev/null || true)"
if [ -z "$PACKAGE_VERSION" ]; then
  echo "No .jsii assembly: run 'npx projen compile' and 'npx projen package-all' first." >&2
  exit 1
fi

now() { date +%s.%N; }
elapsed() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1f", e - s }'; }
# step NAME COMMAND...: runs the command and prints how long it took.
step() {
  local name="$1" started
  shift
  started="$(now)"
  "$@"
  echo "    ${name}: $(elapsed "$started") s"
}
missing() {
  echo "$1 not found: build it with 'npx projen package:$2' (or package-all)." >&2
  return 1
}

test_python() {
  local wheel venv="$TESTS/python/target/venv"
  shopt -s nullglob
  local wheels=("$DIST/python/"*"-${PACKAGE_VERSION}-py3-none-any.whl")
  shopt -u nullglob
  [ "${#wheels[@]}" -eq 1 ] || missing "One wheel dist/python/*-${PACKAGE_VERSION}-py3-none-any.whl" python
  wheel="${wheels[0]}"
  [ -x "$venv/bin/python" ] || step "venv" python3 -m venv "$venv"
  step "pip install (pytest, aws-cdk-lib ${CDK_VERSION}, the wheel's dependencies)" \
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
    "pytest==${PYTEST_VERSION}" "aws-cdk-lib==${CDK_VERSION}" "constructs==${CONSTRUCTS_VERSION}" "$wheel"
  # Every build is version 0.0.0 between releases: pip would keep the copy it installed first.
  step "pip install the built wheel" \
    "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps --force-reinstall "$wheel"
  step "pytest" bash -c 'cd "$1" && "$2/bin/python" -m pytest -q -p no:cacheprovider test_synth.py' _ "$TESTS/python" "$venv"
}

test_java() {
  local dir="$DIST/java/io/github/cdk-pocket-id/cdk-pocket-id/$PACKAGE_VERSION"
  local jar="$dir/cdk-pocket-id-$PACKAGE_VERSION.jar" pom="$dir/cdk-pocket-id-$PACKAGE_VERSION.pom"
  [ -f "$jar" ] && [ -f "$pom" ] || missing "$jar and its pom" java
  # install-file copies every time: a dist/java repository would be cached once per version.
  step "mvn install:install-file (the built jar)" \
    mvn -q -B -Dstyle.color=never "${MAVEN_INSTALL_PLUGIN}:install-file" -Dfile="$jar" -DpomFile="$pom"
  rm -rf "$TESTS/java/target/surefire-reports"
  step "mvn test" mvn -q -B -Dstyle.color=never -f "$TESTS/java/pom.xml" test \
    -Dcdk-pocket-id.version="$PACKAGE_VERSION" -Daws-cdk-lib.version="$CDK_VERSION" -Dconstructs.version="$CONSTRUCTS_VERSION"
  # -q hides Surefire's summary: count the reports, and refuse a run that ran nothing.
  local counts
  counts="$(cat "$TESTS/java/target/surefire-reports/"TEST-*.xml 2>/dev/null \
    | grep -o '<testsuite [^>]*' \
    | awk '{ for (i = 1; i <= NF; i++) if (split($i, kv, "=") == 2) { gsub(/"/, "", kv[2]); n[kv[1]] += kv[2] } }
           END { printf "%d %d %d %d", n["tests"], n["failures"], n["errors"], n["skipped"] }')"
  read -r tests failures errors skipped <<<"${counts:-0 0 0 0}"
  echo "    surefire: ${tests} tests, ${failures} failures, ${errors} errors, ${skipped} skipped"
  [ "${tests}" -gt 0 ] && [ "${failures}" -eq 0 ] && [ "${errors}" -eq 0 ]
}

test_go() {
  [ -f "$DIST/go/cdkpocketid/go.mod" ] || missing "dist/go/cdkpocketid/go.mod" go
  if ! grep -qE "^\s*github.com/aws/aws-cdk-go/awscdk/v2 v${CDK_VERSION}\$" "$TESTS/go/go.mod"; then
    echo "test/languages/go/go.mod does not require awscdk/v2 v${CDK_VERSION} (package.json's aws-cdk-lib): update it and run 'go mod tidy' there." >&2
    return 1
  fi
  step "go mod download" bash -c 'cd "$1" && go mod download' _ "$TESTS/go"
  step "go test" bash -c 'cd "$1" && go test -count=1 ./...' _ "$TESTS/go"
}

languages=("$@")
[ "${#languages[@]}" -gt 0 ] || languages=(python java go)
failed=()
summary=()
for lang in "${languages[@]}"; do
  case "$lang" in python|java|go) ;; *) echo "Unknown language '$lang' (python, java, go)" >&2; exit 2 ;; esac
  echo "==> ${lang}: synth test against the built package (cdk-pocket-id ${PACKAGE_VERSION}, aws-cdk-lib ${CDK_VERSION})"
  started="$(now)"
  set +e
  ( set -e; "test_${lang}" )
  rc=$?
  set -e
  if [ "$rc" -eq 0 ]; then result="passed"; else result="FAILED"; failed+=("$lang"); fi
  summary+=("${lang}: ${result} in $(elapsed "$started") s")
  echo "    ${summary[-1]}"
done

echo "==> language tests"
printf '    %s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "language tests failed: ${failed[*]}" >&2
  exit 1
fi
