#!/usr/bin/env bash
# Builds the swarmtune image.
#   scripts/build-image.sh [-t TAG]             docker build . (npm ci and tsc run inside the build)
#   scripts/build-image.sh --offline [-t TAG]   for a build that cannot reach an npm registry: builds here
#       (npm run build), stages a context with dist/ and production node_modules, and builds it with PREBUILT=1.
set -euo pipefail
cd "$(dirname "$0")/.."
tag=swarmtune:latest offline=0
while (($#)); do
  case $1 in
    -t) tag=${2:?-t needs a tag}; shift 2 ;;
    --offline) offline=1; shift ;;
    *) echo "build-image: unknown argument $1" >&2; exit 2 ;;
  esac
done

if ((offline == 0)); then
  exec docker build -t "$tag" .
fi

[[ -d node_modules ]] || { echo "build-image --offline: run npm ci first" >&2; exit 1; }
npm run build --silent
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
cp package.json package-lock.json Dockerfile "$ctx/"
for pkg in packages/*/; do
  mkdir -p "$ctx/$pkg"
  cp -a "$pkg/package.json" "$pkg/dist" "$pkg/src" "$ctx/$pkg"
done
# The workspace's node_modules without dev dependencies (the workspace links stay relative, so they still point at
# the staged packages/).
cp -a node_modules "$ctx/node_modules"
(cd "$ctx" && npm prune --omit=dev --offline --no-audit --no-fund --ignore-scripts >/dev/null)
docker build --network=host --build-arg PREBUILT=1 -t "$tag" "$ctx"
