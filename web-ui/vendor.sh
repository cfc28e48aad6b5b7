#!/usr/bin/env bash
# Vendors the GUI's toolkit (Preact + hooks + htm) as ES modules into web-ui/vendor/.
# Needs only `npm` (for `npm pack` from the npm registry), tar and sha256sum; no bundler.
# Pinned versions and the SHA-512 integrity of each tarball are checked; the SHA-256 of
# every vendored file is written to vendor/SHA256SUMS (commit both). Rerun after a bump:
#   web-ui/vendor.sh && git diff web-ui/vendor
set -euo pipefail
cd "$(dirname "$0")"
PREACT=11.2.0
PREACT_SRI="sha512-/HfHI/7N84e6GrWBJ3J280z3mLaRJiDcSvj/A+y/4AbLnND/1UlGHe1sR6oYuTGwId0nP7dqDU9OnLxMPZ7xBg=="
HTM=3.1.1
HTM_SRI="sha512-983Vyg8NwUE7JkZ6NmOqpCZ+sh1bKv2iYTlUkzlWmA5JD2acKoxd4KVxbMmxX/85mtfdnDmTFoNKcg5DGAvxNQ=="
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fetch() { # name version expected-integrity
  local json integrity
  json=$(cd "$work" && npm pack --json --silent "$1@$2")
  integrity=$(printf '%s' "$json" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.parse(s)[0].integrity))')
  if [ "$integrity" != "$3" ]; then
    echo "integrity mismatch for $1@$2: $integrity" >&2; exit 1
  fi
  echo "$1@$2 $integrity"
  mkdir -p "$work/$1" && tar xzf "$work/$1-$2.tgz" -C "$work/$1"
}
fetch preact "$PREACT" "$PREACT_SRI"
fetch htm "$HTM" "$HTM_SRI"
rm -f vendor/*.mjs
# Bare "preact" specifiers become relative paths so browsers load them without an import map.
cp "$work/preact/package/dist/preact.mjs" vendor/preact.mjs
sed 's#from"preact"#from"./preact.mjs"#g' "$work/preact/package/hooks/dist/hooks.mjs" > vendor/hooks.mjs
cp "$work/htm/package/dist/htm.module.js" vendor/htm.mjs
cp "$work/preact/package/LICENSE" vendor/LICENSE-preact
cp "$work/htm/package/LICENSE" vendor/LICENSE-htm
if grep -q 'from"preact"' vendor/hooks.mjs; then echo "hooks still import bare preact" >&2; exit 1; fi
(cd vendor && sha256sum preact.mjs hooks.mjs htm.mjs LICENSE-preact LICENSE-htm > SHA256SUMS)
cat vendor/SHA256SUMS
