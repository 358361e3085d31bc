#!/usr/bin/env bash
# Shared by ./run and ./test: make .venv with Python >= 3.11 and install the project into it.
# Re-installs only when pyproject.toml (or the extras asked for) changed since the last time.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
extras="${1:-}"
venv="$root/.venv"

find_python() {
  for candidate in "${PYTHON:-}" python3.11 python3.12 python3.13 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  echo "SectionFlow needs Python 3.11 or newer; none was found on PATH." >&2
  return 1
}

if [ ! -x "$venv/bin/python" ]; then
  py="$(find_python)"
  echo "Creating $venv with $("$py" --version)..." >&2
  if ! "$py" -m venv "$venv" 2>/dev/null; then
    echo "Python's venv module is missing: install it (Debian: apt-get install python3-venv)." >&2
    exit 1
  fi
fi

# One stamp per set of extras; the test extras include everything ./run needs, so a
# venv set up by ./test serves ./run without reinstalling.
want="$(sha256sum "$root/pyproject.toml" | cut -d' ' -f1)"
stamp="$venv/.sectionflow-installed${extras:+-$extras}"
current() { [ -f "$1" ] && [ "$(cat "$1")" = "$want" ]; }
if current "$stamp" || { [ -z "$extras" ] && current "$venv/.sectionflow-installed-test"; }; then
  exit 0
fi
echo "Installing SectionFlow${extras:+ [$extras]} into .venv (first run takes a minute)..." >&2
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
spec="$root"
[ -n "$extras" ] && spec="$root[$extras]"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$spec"
echo "$want" > "$stamp"
