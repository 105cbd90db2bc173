# Sourced by the set-up commands: create or reuse .venv at the repository root and
# install fuel into it, with its test tools and Ray (the cluster's tests need it).
# torch is pinned and installed first, so that nothing resolves a CUDA build of it; a
# stamp keyed by pyproject.toml skips the install when current.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
TORCH_PIN="${FUEL_TORCH_PIN:-torch==2.13.0}"
PYTHON="${PYTHON:-python3}"

if [ ! -x "$VENV/bin/python" ]; then
    echo "fuel: creating $VENV" >&2
    "$PYTHON" -m venv "$VENV"
fi
STAMP="$VENV/.fuel-installed"
WANT="$(cat "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1) $TORCH_PIN"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT" ]; then
    echo "fuel: installing $TORCH_PIN and fuel into $VENV (once)" >&2
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$TORCH_PIN"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$ROOT[dev,ray]"
    echo "$WANT" > "$STAMP"
fi
export PATH="$VENV/bin:$PATH"
cd "$ROOT"
