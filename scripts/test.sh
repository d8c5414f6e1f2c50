#!/bin/sh
# `npm test`, run under scripts/with-node.sh: the browser the back-office tests need, the type
# check, then every vitest file (arguments go to vitest, e.g. `npm test -- --reporter=json`).
set -e
cd "$(dirname "$0")/.."
sh scripts/ensure-chromium.sh
sh scripts/ensure-poppler.sh
tsc --noEmit
exec vitest run "$@"
