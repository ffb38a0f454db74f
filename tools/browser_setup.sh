#!/usr/bin/env bash
# Set up the browser tests: Debian's chromium (when missing) and the pinned Python packages of
# requirements-ui-test.txt in the active Python. Idempotent; a second run takes well under a second.
# Never runs `playwright install`: Playwright drives the system /usr/bin/chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
# the project venv when there is one (./dev puts it first on PATH anyway), else the python on PATH
if [ -n "${PYTHON_UI:-}" ]; then PY=$PYTHON_UI; elif [ -x .venv/bin/python ]; then PY=.venv/bin/python; else PY=python3; fi
if ! [ -x /usr/bin/chromium ]; then
  echo "installing Debian's chromium"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
venv=$("$PY" -c 'import sys; print(sys.prefix)')
stamp="$venv/.diffex-ui-test-installed"
want=$(sha256sum requirements-ui-test.txt | cut -c1-16)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "installing requirements-ui-test.txt"
  "$PY" -m pip install -q -r requirements-ui-test.txt 2>&1 | grep -v '^WARNING: Location' || true
  "$PY" -c 'import playwright, voila, jupyterlab, nbclient' || { echo "browser test requirements did not install" >&2; exit 1; }
  echo "$want" > "$stamp"
fi
