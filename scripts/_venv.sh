# Sourced by scripts/kfctl and scripts/test: make sure .venv exists with kfctl installed (editable).
# Re-installs only when pyproject.toml changed since the last install.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${KFCTL_VENV:-$REPO/.venv}"
PY="${PYTHON:-python3}"
extras="${1:-}"
stamp="$VENV/.kfctl-installed${extras:+-$extras}"
want="$(sha256sum "$REPO/pyproject.toml" | cut -d' ' -f1)"
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV" >&2
fi
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  "$VENV/bin/python" -m pip install -q --upgrade pip >&2
  "$VENV/bin/python" -m pip install -q -e "$REPO${extras:+[$extras]}" >&2
  echo "$want" > "$stamp"
fi
