#!/usr/bin/env bash
# Checks docker-compose.yml (or the file given) with tools/compose-check: compose-go's LoadProject,
# the loader of `docker compose` itself, plus the repository paths, the stage commands, the
# Prometheus targets and the local stack's ports (see README.md, "Docker compose"). No Docker
# needed; Go from PATH or /usr/local/go, modules from the Go module proxy on the first run.
# usage: scripts/check-compose.sh [compose-check options] [FILE]   (prints one line per problem)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
go=$(command -v go || echo /usr/local/go/bin/go)
[ -x "$go" ] || { echo "check-compose: Go is needed (https://go.dev/dl), not found on PATH or in /usr/local/go" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$root/tools/compose-check" && GOTOOLCHAIN=local GOFLAGS="-mod=mod -buildvcs=false" "$go" build -o "$work/compose-check" .)
"$root/scripts/with-node.sh" node "$root/scripts/compose-expectations.ts" >"$work/expect.json"
[ $# -eq 0 ] && set -- "$root/docker-compose.yml"
"$work/compose-check" --expect "$work/expect.json" "$@"
