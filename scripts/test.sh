#!/usr/bin/env bash
# The test command: set up .venv if needed, then lint, type-check and run every test
# (the slow ones that really compile included) on the default torch. Extra arguments go
# to pytest. A second environment with torch 2.13.0 (the oldest torch fuel supports) is
# set up beside it: the tests of --also-on run repros there, and, when no arguments are
# given, the smoke set (scripts/smoke.sh: the fast tests, a short campaign, `fuel check`
# of a bug) runs fuel itself on it.
source "$(dirname "$0")/env.sh"
OTHER_PIN="${FUEL_OTHER_TORCH_PIN:-torch==2.13.0}"
OTHER_VENV="$ROOT/.venv-${OTHER_PIN//[=<>]/-}"
OTHER_VENV="${OTHER_VENV//--/-}"
( FUEL_VENV="$OTHER_VENV" FUEL_TORCH_PIN="$OTHER_PIN" FUEL_EXTRAS=dev \
    bash -c 'source "$0/scripts/env.sh"' "$ROOT" )
export FUEL_OTHER_PYTHON="$OTHER_VENV/bin/python"
ruff check fuel tests bench
mypy
set +e
python -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
    echo "fuel: pytest collected no tests for this selection" >&2
    status=0
fi
if [ "$status" -eq 0 ] && [ "$#" -eq 0 ]; then
    PATH="$OTHER_VENV/bin:$PATH" "$ROOT/scripts/smoke.sh" || status=$?
fi
exit "$status"
