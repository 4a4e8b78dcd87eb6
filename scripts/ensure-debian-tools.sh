#!/usr/bin/env bash
# Installs the Debian packages the tests use when they are missing: prometheus (with promtool),
# for the dashboards proven on a real Prometheus and the alert rules' tests, and chromium, for the
# live page opened in a real headless browser. A fresh CI machine has neither; apt-get needs root.
set -euo pipefail
missing=()
command -v prometheus >/dev/null && command -v promtool >/dev/null || missing+=(prometheus)
command -v chromium >/dev/null || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "ensure-debian-tools: installing ${missing[*]}" >&2
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
