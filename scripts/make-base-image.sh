#!/usr/bin/env bash
# Makes the offline base image MCP servers run on: this machine's `node` binary, the shared libraries `ldd` lists
# for it, a non-root user (uid 10001) and nothing else, imported with `podman import` (no registry pull needed).
#
#   scripts/make-base-image.sh [IMAGE]            # IMAGE defaults to localhost/mcp-host/node-base:latest
#   MCP_BASE_IMAGE_TAR=/tmp/base.tar scripts/make-base-image.sh   # also keep the rootfs tarball there
#   PODMAN="podman --remote --url unix:///path/podman.sock" scripts/make-base-image.sh   # another engine
set -euo pipefail

IMAGE="${1:-localhost/mcp-host/node-base:latest}"
PODMAN="${PODMAN:-podman}"
NODE_BIN="$(readlink -f "${NODE_BIN:-$(command -v node)}")"

work="$(mktemp -d "${TMPDIR:-/tmp}/mcp-base-image.XXXXXX")"
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"
mkdir -p "$rootfs"/{usr/local/bin,etc,tmp,app,home/mcp}
chmod 1777 "$rootfs/tmp"

cp "$NODE_BIN" "$rootfs/usr/local/bin/node"

# Every library the dynamic loader resolves for node, at the same path, plus the loader itself.
ldd "$NODE_BIN" | awk '/=> \//{print $3} /^\s*\/[^ ]+/{print $1}' | sort -u | while read -r lib; do
  [ -e "$lib" ] || continue
  mkdir -p "$rootfs$(dirname "$lib")"
  cp -L "$lib" "$rootfs$lib"
done

cat >"$rootfs/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
mcp:x:10001:10001:mcp server:/home/mcp:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
EOF
cat >"$rootfs/etc/group" <<'EOF'
root:x:0:
mcp:x:10001:
nogroup:x:65534:
EOF
echo 'hosts: files dns' >"$rootfs/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n::1 localhost\n' >"$rootfs/etc/hosts"
chown -R 10001:10001 "$rootfs/home/mcp" "$rootfs/app"

tarball="${MCP_BASE_IMAGE_TAR:-$work/rootfs.tar}"
tar -C "$rootfs" --numeric-owner -cf "$tarball" .

# shellcheck disable=SC2086
$PODMAN import \
  --change 'USER 10001:10001' \
  --change 'WORKDIR /app' \
  --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
  --change 'ENV NODE_ENV=production' \
  --change 'ENTRYPOINT ["/usr/local/bin/node"]' \
  --change 'LABEL org.mcp-host.base=node' \
  "$tarball" "$IMAGE" >/dev/null
echo "$IMAGE ($(du -m "$tarball" | cut -f1) MB rootfs, node $("$NODE_BIN" --version))"
