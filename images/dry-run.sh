#!/usr/bin/env bash
# Replays the Node.js part of images/operator/Dockerfile without Docker (no engine on the dev machines):
# copies the build context the way .dockerignore filters it, runs the same npm/tsc steps as the `build` and `deps`
# stages, lays out /app/bin and /app/snapshot like the final stage, builds the start-up snapshot, and starts the
# operator the way the image does (ENTRYPOINT) and through PATH.
#   bash images/dry-run.sh bigquery-operator [bin]     (needs the npm registry; leaves nothing behind)
set -euo pipefail
package="${1:?usage: images/dry-run.sh PACKAGE [BIN]}"
bin="${2:-$package}"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$root"
tar --exclude=node_modules --exclude=dist --exclude='*.tsbuildinfo' --exclude='packages/*/test' \
  -cf - package.json package-lock.json tsconfig.base.json tsconfig.json packages | tar -xf - -C "$work"
cd "$work"
test -f "packages/$package/bin/$bin.js"
echo "dry-run: build stage (npm ci -w packages/$package -w packages/snapshot --include-workspace-root; tsc -b; bundle)"
npm ci --no-audit --no-fund --ignore-scripts --workspace "packages/$package" --workspace packages/snapshot --include-workspace-root >"$work/build.log" 2>&1
npx tsc -b "packages/$package" packages/snapshot
node packages/snapshot/bin/dp-snapshot.js "packages/$package/bin/$bin.js" --out "$work/snapshot" --name entrypoint --bundle-only
echo "dry-run: deps stage (npm ci --omit=dev -w packages/$package)"
npm ci --no-audit --no-fund --omit=dev --workspace "packages/$package" >"$work/deps.log" 2>&1
echo "dry-run: production node_modules $(du -sh node_modules | cut -f1)"
mkdir -p bin
ln -s "../packages/$package/bin/$bin.js" bin/entrypoint.js
install -m 0755 "$root/images/operator/snapshot-start.sh" "bin/$bin"
echo "dry-run: final stage (node --build-snapshot)"
node --snapshot-blob "$work/snapshot/entrypoint.blob" --build-snapshot "$work/snapshot/entrypoint.cjs"
node --snapshot-blob "$work/snapshot/entrypoint.blob" -- --version
"bin/$bin" --version
cd /
NODE_ENV=production node --snapshot-blob "$work/snapshot/entrypoint.blob" -- --help >/dev/null
NODE_ENV=production PATH="$work/bin:$PATH" "$bin" --help >/dev/null
NODE_ENV=production node "$work/bin/entrypoint.js" --help >/dev/null
echo "dry-run: $bin starts from the image layout"
