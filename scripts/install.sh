#!/usr/bin/env bash
# Installs what the project needs on a fresh machine: the npm packages (from the lock file) and moto's
# Secrets Manager server (PyPI) in .venv for the tests. Safe to run again: each step is skipped when done.
# A step that runs says so in one line; its output shows only when it fails.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/quietly.sh

MOTO_VERSION="5.2.5"

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "==> npm ci (the npm packages of package-lock.json)"
  quietly npm ci --no-audit --no-fund
fi

if [ "${1:-}" = "--with-moto" ] && ! .venv/bin/python -c "import moto, sys; sys.exit(moto.__version__ != '${MOTO_VERSION}')" 2>/dev/null; then
  echo "==> moto[server] ${MOTO_VERSION} into .venv"
  quietly python3 -m venv .venv
  quietly .venv/bin/pip install --disable-pip-version-check "moto[server]==${MOTO_VERSION}"
fi
