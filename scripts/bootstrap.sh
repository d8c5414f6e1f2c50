#!/bin/sh
# Installs the project's npm dependencies when they are missing or older than package-lock.json,
# so `npm start` and `npm test` work on a fresh clone. scripts/with-node.sh runs it under Node.js 24
# before the command it wraps. The Temporal CLI is built on first use
# (platform/temporal-cli.ts) into a cache outside the checkout. patches/ fixes known bugs in
# dependencies (postinstall: patch-package).
set -e
cd "$(dirname "$0")/.."
stale=""
[ -f node_modules/.package-lock.json ] || stale=yes
[ package-lock.json -nt node_modules/.package-lock.json ] && stale=yes
# Patches to dependencies (patches/, applied by patch-package after install) count as the lock does.
for p in patches/*.patch; do [ "$p" -nt node_modules/.package-lock.json ] && stale=yes; done
if [ -n "$stale" ]; then
  echo "Installing npm dependencies (npm ci)…"
  npm ci --no-audit --no-fund
fi
