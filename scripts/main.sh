#!/usr/bin/env bash
# The main job: synthesizes the example app (examples/web-app) offline and prints the Pocket-ID
# entities it would create or change. Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
npx projen pre-compile >/dev/null
npx projen main
