#!/usr/bin/env bash
# The main job: synthesizes the example app (examples/web-app) offline and prints the Pocket-ID
# entities it would create or change. Installs what it needs first (one line per install that has work
# to do) and bundles the handler; their output shows only when they fail, so a run prints the summary.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/quietly.sh
bash scripts/install.sh
quietly npx projen pre-compile
# Not through `npx projen`, which prints each task's name and command before the summary.
npx ts-node --transpile-only --prefer-ts-exts --project test/tsconfig.json scripts/summarize-example.ts
