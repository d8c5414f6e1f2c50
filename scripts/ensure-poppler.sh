#!/bin/sh
# The payment-QR tests render PDF pages with poppler's pdftoppm (Debian's poppler-utils) and
# decode the QR code from the picture. Install it when it is missing and this user may (root with apt).
command -v pdftoppm >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's poppler-utils (pdftoppm) for the payment-QR tests (once)…"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q poppler-utils >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q poppler-utils >/dev/null 2>&1; } ||
    echo "Could not install poppler-utils with apt-get; the payment-QR tests will fail saying so." >&2
else
  echo "pdftoppm is missing and this user cannot install it (needs root and apt-get): the payment-QR tests will fail saying so. Install Debian's poppler-utils." >&2
fi
exit 0
