#!/usr/bin/env bash
# Install everything the project needs into ./.venv (and the CJK fonts the
# fixture generator renders with). Safe to run again: it only adds what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
FONTS="fonts-wqy-zenhei fonts-wqy-microhei fonts-arphic-uming fonts-arphic-ukai"

missing_fonts() {
  for pkg in $FONTS; do dpkg -s "$pkg" >/dev/null 2>&1 || return 0; done
  return 1
}

if command -v apt-get >/dev/null 2>&1 && missing_fonts; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $FONTS >/dev/null
  else
    echo "note: CJK fonts missing ($FONTS); fixture regeneration tests will skip. Install them with sudo apt-get." >&2
  fi
fi

if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'
echo "setup done: $(.venv/bin/python --version), selfeval at .venv/bin/selfeval" >&2
