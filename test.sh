#!/usr/bin/env bash
# Runs every test: unit, property, conformance (RFC 4475), bounded fuzz, and the end-to-end
# tests that drive the release pbxd with real peers (SIPp). Installs the peers first.
set -euo pipefail
cd "$(dirname "$0")"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/rotary-target}"
bash scripts/install-peers.sh
cargo build --release --locked -p rotary-pbxd -p rotary-pbxctl
cargo test --workspace --locked
