#!/usr/bin/env bash
# Installs the Debian packages some tests need; .ci/run calls it before `npm test` and carries on (with a
# warning) if it fails, so the tests still run and report: with CI set, a test whose tool is missing fails
# (test/helpers/required-tool.ts), so nothing stops being checked without the run saying so.
#
# - Rust for the WASM rebuild check (test/wasm/artifact.test.ts rebuilds wasm/pkg/edgekms_core.wasm and
#   compares it byte for byte): Debian's rustc-web (not rustup's, which has no wasm32 target offline). The
#   artifact's manifest names the rustc it was built with (1.96.0 from rustc-web 1.96.0+dfsg1-1~deb12u2);
#   another version fails the check in CI rather than skipping it.
# - openssl (3.x) for the SM2/SM3/SM4 cross-checks (test/kms/sm.test.ts) and the TLS test's certificate.
# - chromium (Debian's, driven by playwright-core; never a downloaded browser) for the browser tests
#   (test/package/, test/browser/).
set -euo pipefail

PACKAGES=(rustc-web cargo-web rust-web-src rust-web-llvm lld-22 openssl chromium)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system-packages: already installed: ${PACKAGES[*]}"
  exit 0
fi

SUDO=''
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO='sudo -n'; else
    echo "system-packages: not root and no passwordless sudo; cannot install ${missing[*]}" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
echo "system-packages: installing ${missing[*]}"
# Bounded, quiet, no recommends: this only has to be good enough to run the checks.
timeout 300 $SUDO apt-get update -qq
timeout 600 $SUDO apt-get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 "${missing[@]}" >/dev/null
echo "system-packages: $(/usr/bin/rustc -V)"
