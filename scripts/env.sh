# Sourced by the set-up commands: create or reuse a virtual environment (.venv at the
# repository root) and install fuel into it, with its test tools and Ray (the cluster's
# tests need it). torch is pinned and installed first: the newest release by default
# (PyPI's Linux wheel is the CUDA build; it runs on machines without a GPU). A stamp
# keyed by pyproject.toml and the pin skips the install when current.
#
# Settings (environment): FUEL_TORCH_PIN (default torch==2.15.0; e.g. torch==2.13.0, or
# a wheel's path), FUEL_VENV (default .venv), FUEL_EXTRAS (default dev,ray), PYTHON
# (python3, to create the environment).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${FUEL_VENV:-$ROOT/.venv}"
TORCH_PIN="${FUEL_TORCH_PIN:-torch==2.15.0}"
EXTRAS="${FUEL_EXTRAS:-dev,ray}"
PYTHON="${PYTHON:-python3}"

if [ ! -x "$VENV/bin/python" ]; then
    echo "fuel: creating $VENV" >&2
    "$PYTHON" -m venv "$VENV"
fi
STAMP="$VENV/.fuel-installed"
WANT="$(sha256sum <"$ROOT/pyproject.toml" | cut -d' ' -f1) $TORCH_PIN [$EXTRAS]"
# Runs pip into a log; shows the log's tail only when pip fails. PIP_CONSTRAINT=/dev/null:
# a machine-wide pip constraints file (some images cap torch below the newest release)
# must not choose the torch that fuel tests, nor downgrade it while fuel installs.
pip_install() {
    if ! PIP_CONSTRAINT=/dev/null "$VENV/bin/python" -m pip install \
        --disable-pip-version-check "$@" >>"$VENV/install.log" 2>&1; then
        tail -n 20 "$VENV/install.log" >&2
        echo "fuel: pip install $* failed (log: $VENV/install.log)" >&2
        exit 1
    fi
}
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT" ]; then
    echo "fuel: installing $TORCH_PIN and fuel into $VENV (once; a few minutes)" >&2
    : >"$VENV/install.log"
    pip_install "$TORCH_PIN"
    pip_install "$TORCH_PIN" -e "$ROOT[$EXTRAS]"
    echo "$WANT" > "$STAMP"
fi
export PATH="$VENV/bin:$PATH"
cd "$ROOT"
