#!/usr/bin/env bash
# Installs the real SIP peers the tests and benchmarks drive (SIPp, baresip, Kamailio,
# sipvicious, sox) and the audio references the media tests score against (ffmpeg for
# G.722/G.726/GSM reference bitstreams, espeak-ng for speech, PESQ from PyPI).
# Idempotent: a marker keyed on the package list skips apt on reruns.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
PKGS="sip-tester baresip-core kamailio sipvicious sox libsox-fmt-base libopus-dev ffmpeg espeak-ng pkg-config chromium chromium-driver"
MARK="/var/tmp/rotary-apt-$(echo "$PKGS" | md5sum | cut -c1-12)"
install_pesq() {
  python3 -c "import pesq, numpy" 2>/dev/null || python3 -m pip install -q "pesq==0.0.4" "numpy<2.3"
}
if [ -e "$MARK" ] && dpkg -s $PKGS >/dev/null 2>&1; then install_pesq; exit 0; fi
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends $PKGS
touch "$MARK"
install_pesq
