#!/usr/bin/env bash
# Idempotent installer for `make run` and `make test`. Usage: scripts/install.sh [--test]
#   - creates .venv with Python 3.11 if it is missing or broken;
#   - pip installs requirements.lock and the project (editable, no deps) only when
#     requirements.lock or pyproject.toml changed since the last install (.venv/.installed);
#   - installs missing Debian packages: WeasyPrint's libraries always, chromium with --test.
# A second run with nothing changed does no network access and takes well under a second.
set -euo pipefail

cd "$(dirname "$0")/.."

with_browser=0
for arg in "$@"; do
  case "$arg" in
    --test) with_browser=1 ;;
    *) echo "usage: $0 [--test]" >&2; exit 2 ;;
  esac
done

say() { echo "install: $*"; }

# --- Debian packages --------------------------------------------------------------------
# Pango is what WeasyPrint loads; libharfbuzz-subset0 makes its font subsetting ~5x faster.
debs=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)
if [ "$with_browser" = 1 ]; then
  debs+=(chromium)
fi
missing=()
for pkg in "${debs[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${#missing[@]}" -eq 0 ]; then
  say "debian packages present (${debs[*]})"
else
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
  say "apt-get install ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

# --- virtualenv ---------------------------------------------------------------------------
if ! .venv/bin/python -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null; then
  python=""
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null; then
      python="$candidate"
      break
    fi
  done
  if [ -z "$python" ]; then
    echo "install: Python 3.11 not found (need python3.11 on PATH)" >&2
    exit 1
  fi
  say "creating .venv with $($python --version)"
  rm -rf .venv
  "$python" -m venv .venv
else
  say ".venv present ($(.venv/bin/python --version))"
fi

# --- Python packages ----------------------------------------------------------------------
stamp=.venv/.installed
want=$(cat requirements.lock pyproject.toml | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  say "python packages up to date"
else
  say "pip install -r requirements.lock && pip install --no-deps -e ."
  pip=(.venv/bin/python -m pip install -q --disable-pip-version-check --no-input
    --root-user-action=ignore)
  log=$(mktemp)
  trap 'rm -f "$log"' EXIT
  if ! { "${pip[@]}" -r requirements.lock && "${pip[@]}" --no-deps -e .; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "install: pip install failed (output above)" >&2
    exit 1
  fi
  echo "$want" >"$stamp"
fi
