#!/bin/sh
# The back-office tests drive Debian's chromium (no browser download is possible here).
# Install it when it is missing and this user may (root with apt); otherwise say what is missing.
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$CHROMIUM" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the back-office browser tests (once)…"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1; } ||
    echo "Could not install chromium with apt-get; the back-office browser tests will fail saying so." >&2
else
  echo "Chromium is not at $CHROMIUM and this user cannot install it (needs root and apt-get): the back-office browser tests will fail saying so. Install Debian's chromium package or set CHROMIUM_PATH." >&2
fi
exit 0
