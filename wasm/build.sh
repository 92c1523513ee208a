#!/usr/bin/env bash
# Builds the crypto core: wasm/pkg/edgekms_core.wasm and wasm/pkg/manifest.json (its SHA-256).
#
#   bash wasm/build.sh            # rebuild the committed artifact (npm run build:wasm)
#   bash wasm/build.sh OUT_DIR    # build elsewhere (the reproducibility test does this)
#
# Needs Debian's Rust (not rustup's, which has no wasm32 target here):
#   apt-get install -y --no-install-recommends rustc-web cargo-web rust-web-src rust-web-llvm lld-22
# Nothing is downloaded: `core` is rebuilt from rust-web-src (-Zbuild-std, hence RUSTC_BOOTSTRAP) and
# crates-io resolves to the sources vendored there (wasm/.cargo/config.toml). The output depends only on
# the sources and the compiler version, which the manifest records; the build directory does not matter.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/pkg}"
target="${CARGO_TARGET_DIR:-$here/target}"

RUSTC_BIN=/usr/bin/rustc
CARGO_BIN=/usr/bin/cargo
RUST_SRC=/usr/lib/rustlib/src/rust/library
if [ ! -x "$RUSTC_BIN" ] || [ ! -x "$CARGO_BIN" ] || [ ! -d "$RUST_SRC/core" ]; then
  echo "wasm/build.sh: Debian's Rust toolchain is missing ($RUSTC_BIN, $CARGO_BIN, $RUST_SRC)." >&2
  echo "  apt-get install -y --no-install-recommends rustc-web cargo-web rust-web-src rust-web-llvm lld-22" >&2
  exit 3
fi

mkdir -p "$out" "$target"
# Build from the crate directory so that .cargo/config.toml (vendored sources, target, simd128) applies,
# and keep cargo's home out of the user's ~/.cargo so no other configuration leaks in.
cd "$here"
env -u RUSTFLAGS -u CARGO_ENCODED_RUSTFLAGS -u CARGO_BUILD_RUSTFLAGS \
  RUSTC="$RUSTC_BIN" RUSTC_BOOTSTRAP=1 CARGO_HOME="$target/cargo-home" \
  "$CARGO_BIN" build --release --locked --offline \
    --target wasm32-unknown-unknown -Zbuild-std=core --target-dir "$target"

cp "$target/wasm32-unknown-unknown/release/edgekms_wasm.wasm" "$out/edgekms_core.wasm"
sha="$(sha256sum "$out/edgekms_core.wasm" | cut -d' ' -f1)"
size="$(stat -c %s "$out/edgekms_core.wasm")"
rustc_version="$("$RUSTC_BIN" -V)"
abi="$(sed -n 's/^const ABI_VERSION: u32 = \([0-9]*\);/\1/p' src/lib.rs)"
cat > "$out/manifest.json" <<JSON
{
  "file": "edgekms_core.wasm",
  "sha256": "$sha",
  "bytes": $size,
  "abi_version": $abi,
  "rustc": "$rustc_version",
  "target": "wasm32-unknown-unknown",
  "rustflags": "-C target-feature=+simd128",
  "build": "npm run build:wasm (bash wasm/build.sh)"
}
JSON
echo "wasm/build.sh: $out/edgekms_core.wasm $size bytes sha256 $sha"
