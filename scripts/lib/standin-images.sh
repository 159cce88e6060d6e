# Builds the stand-in base images of scripts/lib/standins/ on the engine DOCKER_HOST points at.
# Source this file; call forge_standins_build WORK_DIR. Each image carries a label with a hash of
# its recipe, so a cached engine rebuilds only what changed (and CI, starting from nothing, all).

FORGE_STANDINS_DIR=${FORGE_STANDINS_DIR:-$PWD/scripts/lib/standins}
FORGE_DEBIAN_MIRROR=${FORGE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
FORGE_SWIFT_TOOLCHAIN=${FORGE_SWIFT_TOOLCHAIN:-/opt/swift}
FORGE_SWIFT_PACKAGES=${FORGE_SWIFT_PACKAGES:-/opt/swift-packages}

# The image names docker/Dockerfile and compose.yaml use.
FORGE_IMAGE_DEBIAN=debian:bookworm-slim
FORGE_IMAGE_SWIFT=swift:6.3-bookworm
FORGE_IMAGE_REDIS=redis:7.2-bookworm
FORGE_IMAGE_POSTGRES=postgres:15-bookworm
FORGE_IMAGE_PROMETHEUS=prom/prometheus:v2.53.2

# Parts of the toolchain a `swift build` never runs: debugger, language server, docs, formatter,
# embedded and wasm support. Leaving them out halves the image.
FORGE_TOOLCHAIN_EXCLUDES=(
  'usr/bin/lldb*' 'usr/lib/liblldb*' 'usr/bin/sourcekit-lsp' 'usr/lib/libsourcekitdInProc*'
  'usr/bin/clangd' 'usr/bin/docc' 'usr/share/docc' 'usr/bin/swift-format' 'usr/lib/swift/embedded'
  'usr/bin/wasmkit' 'usr/bin/wasm-ld' 'usr/lib/swift/FrameworkABIBaseline' 'usr/bin/repl_swift'
)

# standin_hash NAME FILE…: the recipe's hash (its files' content and any extra words given).
standin_hash() {
  local name=$1
  shift
  { echo "$name"; cat "$@"; } | sha256sum | cut -c1-16
}

# standin_current IMAGE HASH: the image exists and was built from this recipe.
standin_current() {
  [ "$(docker image inspect -f '{{index .Config.Labels "forge.standin"}}' "$1" 2>/dev/null)" = "$2" ]
}

# The slim Debian root: debootstrap, then what the official slim image does (no docs, man pages or
# apt lists; services never start on install; the security and updates suites).
standin_debian() {
  local work=$1 hash root
  # Bump the recipe number when this function changes.
  hash=$(standin_hash debian <(echo "recipe 2 $FORGE_DEBIAN_MIRROR"))
  if standin_current "$FORGE_IMAGE_DEBIAN" "$hash"; then echo "  $FORGE_IMAGE_DEBIAN: cached"; return 0; fi
  root=$work/rootfs
  echo "  $FORGE_IMAGE_DEBIAN: debootstrap bookworm (minbase)…"
  debootstrap --variant=minbase bookworm "$root" "$FORGE_DEBIAN_MIRROR" >"$work/debootstrap.log" 2>&1 || {
    tail -n 20 "$work/debootstrap.log" >&2
    return 1
  }
  cat >"$root/etc/dpkg/dpkg.cfg.d/docker" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
CFG
  find "$root/usr/share/doc" -mindepth 2 ! -name copyright -type f -delete 2>/dev/null || true
  rm -rf "$root/usr/share/man/"* "$root/usr/share/info/"* "$root/var/lib/apt/lists/"* \
    "$root/var/cache/apt/"*.bin "$root/var/cache/apt/archives/"*.deb "$root/var/log/"*.log
  find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} + 2>/dev/null || true
  rm -f "$root/etc/apt/sources.list"
  cat >"$root/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: ${FORGE_DEBIAN_MIRROR}
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${FORGE_DEBIAN_MIRROR}-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
  printf '#!/bin/sh\n# Nothing starts services inside an image build.\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 755 "$root/usr/sbin/policy-rc.d"
  echo 'APT::Install-Recommends "false";' >"$root/etc/apt/apt.conf.d/docker-no-recommends"
  printf 'Acquire::Languages "none";\n' >"$root/etc/apt/apt.conf.d/docker-no-languages"
  # As the official image: downloaded packages are deleted after every install.
  cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'APT'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT
  tar --numeric-owner -C "$root" -c . |
    docker import -c 'CMD ["bash"]' -c "LABEL forge.standin=$hash" - "$FORGE_IMAGE_DEBIAN" >/dev/null
  rm -rf "$root"
}

# standin_build IMAGE DIR [extra context…]: docker build of a stand-in recipe (network: host, as
# the engine has no bridge for apt to go out through).
standin_build() {
  local image=$1 dir=$2 hash
  hash=$(standin_hash "$image" "$dir"/* <(docker image inspect -f '{{.Id}}' "$FORGE_IMAGE_DEBIAN"))
  if standin_current "$image" "$hash"; then echo "  $image: cached"; return 0; fi
  echo "  $image: building…"
  docker build -q --network host --label "forge.standin=$hash" -t "$image" "$dir" >/dev/null
}

# The Swift build image: its context is streamed as one tar (recipe + toolchain + package mirror)
# so nothing is copied to disk first.
standin_swift() {
  local work=$1 hash version
  version=$("$FORGE_SWIFT_TOOLCHAIN/usr/bin/swift" --version 2>&1 | head -1)
  hash=$(standin_hash "$FORGE_IMAGE_SWIFT" "$FORGE_STANDINS_DIR/swift/Dockerfile" \
    <(echo "$version"; find "$FORGE_SWIFT_PACKAGES" -type f -printf '%P %s\n' | sort) \
    <(docker image inspect -f '{{.Id}}' "$FORGE_IMAGE_DEBIAN"))
  if standin_current "$FORGE_IMAGE_SWIFT" "$hash"; then echo "  $FORGE_IMAGE_SWIFT: cached"; return 0; fi
  echo "  $FORGE_IMAGE_SWIFT: building from $FORGE_SWIFT_TOOLCHAIN ($version)…"
  local context=$work/swift-context excludes=()
  mkdir -p "$context"
  cp "$FORGE_STANDINS_DIR/swift/Dockerfile" "$context/"
  printf '[url "/opt/swift-packages/"]\n\tinsteadOf = https://github.com/\n\tinsteadOf = git@github.com:\n' >"$context/gitconfig"
  local pattern
  for pattern in "${FORGE_TOOLCHAIN_EXCLUDES[@]}"; do excludes+=("--exclude=$pattern"); done
  # One tar stream: the recipe, the toolchain as /usr, the package mirror.
  tar -c -C "$context" Dockerfile gitconfig -C "$FORGE_SWIFT_TOOLCHAIN" "${excludes[@]}" usr \
    -C "$(dirname "$FORGE_SWIFT_PACKAGES")" "$(basename "$FORGE_SWIFT_PACKAGES")" |
    docker build -q --network host --label "forge.standin=$hash" -t "$FORGE_IMAGE_SWIFT" - >/dev/null
  rm -rf "$context"
}

# forge_standins_build WORK_DIR: every stand-in, the Debian root first (the others build on it);
# the Swift one unless FORGE_STANDINS_SKIP_SWIFT=1 (an image built from a prebuilt release).
forge_standins_build() {
  local work=$1
  standin_debian "$work"
  [ "${FORGE_STANDINS_SKIP_SWIFT:-0}" = 1 ] || standin_swift "$work"
  standin_build "$FORGE_IMAGE_REDIS" "$FORGE_STANDINS_DIR/redis"
  standin_build "$FORGE_IMAGE_POSTGRES" "$FORGE_STANDINS_DIR/postgres"
  standin_build "$FORGE_IMAGE_PROMETHEUS" "$FORGE_STANDINS_DIR/prometheus"
}
