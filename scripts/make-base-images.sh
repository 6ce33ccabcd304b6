#!/usr/bin/env bash
# Makes, without a registry, the two base images the swarm e2e test needs, from programs on this machine:
#   node:20-bookworm-slim   (the Dockerfile's FROM): this host's node 20 laid out as the official image does
#                           (/usr/local/bin/node, npm under /usr/local/lib/node_modules, a `node` user with uid 1000),
#                           the shared libraries it links, and busybox-static for sh and the usual tools.
#   STORE_IMAGE (arg 1)     Debian's redis-server the same way (KeyDB cannot be pulled; see stack.e2e.yml).
# Needs: docker (DOCKER_HOST set), node 20, redis-server, busybox-static. Usage: make-base-images.sh STORE_IMAGE
set -euo pipefail
store_image=${1:?usage: make-base-images.sh STORE_IMAGE}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

busybox=$(command -v busybox || true)
[[ -n $busybox ]] && ! ldd "$busybox" >/dev/null 2>&1 || { echo "make-base-images: needs busybox-static (apt-get install busybox-static)" >&2; exit 1; }

# A root file system with busybox as /bin/sh etc., users root and node, and the libraries of the given programs.
new_rootfs() {
  local root=$1
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/local/bin,etc,tmp,root,home/node,data,run}
  chmod 1777 "$root/tmp"
  cp "$busybox" "$root/bin/busybox"
  for applet in $("$busybox" --list); do
    [[ -e $root/bin/$applet ]] || ln -s busybox "$root/bin/$applet"
  done
  ln -s /bin/busybox "$root/usr/bin/env"   # for `#!/usr/bin/env node`
  printf 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnode:x:1000:\n' >"$root/etc/group"
  printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
  chown 1000:1000 "$root/home/node"
}

copy_libs() {
  local root=$1; shift
  local lib
  for lib in $(ldd "$@" 2>/dev/null | grep -o '/[^ ]*' | sort -u); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
}

import() {
  local root=$1 tag=$2; shift 2
  tar -C "$root" -c . | docker import -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' "$@" - "$tag" >/dev/null
  echo "made image $tag"
}

node_bin=$(readlink -f "$(command -v node)")
[[ $("$node_bin" --version) == v20.* ]] || { echo "make-base-images: needs node 20 on this machine, found $("$node_bin" --version)" >&2; exit 1; }
root=$work/node
new_rootfs "$root"
cp "$node_bin" "$root/usr/local/bin/node"
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
if [[ -f $npm_dir/package.json ]]; then
  mkdir -p "$root/usr/local/lib/node_modules"
  cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
fi
copy_libs "$root" "$node_bin"
import "$root" node:20-bookworm-slim -c 'ENV NODE_VERSION='"${node_bin:+$("$node_bin" --version | tr -d v)}" -c 'CMD ["node"]'

redis_bin=$(command -v redis-server || true)
[[ -n $redis_bin ]] || { echo "make-base-images: needs redis-server (apt-get install redis-server)" >&2; exit 1; }
redis_bin=$(readlink -f "$redis_bin")
root=$work/store
new_rootfs "$root"
cp "$redis_bin" "$root/usr/bin/redis-server"
copy_libs "$root" "$redis_bin"
import "$root" "$store_image" -c 'WORKDIR /data' -c 'CMD ["redis-server", "--protected-mode", "no"]'
