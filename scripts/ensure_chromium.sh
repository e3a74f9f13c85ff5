#!/usr/bin/env bash
# The browser tests drive Debian's chromium. Install it when missing and we may; otherwise say
# exactly what to install.
set -euo pipefail
chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$chromium" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium for the browser tests…"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "The browser tests need Debian's chromium at $chromium." >&2
echo "Install it with: sudo apt-get install -y chromium (or set CHROMIUM_PATH)." >&2
exit 1
