#!/usr/bin/env bash
# Installs the real SIP peers the tests and benchmarks drive (SIPp, baresip, Kamailio,
# sipvicious, sox). Idempotent: a marker keyed on the package list skips apt on reruns.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
PKGS="sip-tester baresip-core kamailio sipvicious sox libopus-dev"
MARK="/var/tmp/rotary-apt-$(echo "$PKGS" | md5sum | cut -c1-12)"
if [ -e "$MARK" ] && dpkg -s $PKGS >/dev/null 2>&1; then exit 0; fi
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends $PKGS
touch "$MARK"
