#!/bin/sh
# Installs the project's npm dependencies when they are missing or older than package-lock.json,
# so `npm start` and `npm test` work on a fresh clone. The Temporal CLI is built on first use
# (platform/temporal-cli.ts) into a cache outside the checkout.
set -e
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing npm dependencies (npm ci)…"
  npm ci --no-audit --no-fund
fi
