#!/usr/bin/env bash
# The test command: set up .venv if needed, then lint, type-check and run every test
# (the slow ones that really compile included). Extra arguments go to pytest.
source "$(dirname "$0")/env.sh"
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
exit "$status"
