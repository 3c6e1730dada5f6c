#!/usr/bin/env bash
# Make sure Debian's chromium is present for the browser tests.
# Installs it when missing and we may (root, apt-get); with CI=true a missing
# browser is an error, never a skip. On a contributor's machine without it the
# browser tests skip and say how to install it.
set -euo pipefail
BROWSER=${CHROMIUM:-/usr/bin/chromium}
if [ -x "$BROWSER" ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian chromium for the browser tests..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
if [ "${CI:-}" = "true" ]; then
  echo "error: $BROWSER is missing and cannot be installed here (need root and apt-get)." >&2
  exit 1
fi
echo "note: $BROWSER is missing; the browser tests will be skipped." >&2
echo "      install it with: sudo apt-get install chromium" >&2
