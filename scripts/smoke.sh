#!/usr/bin/env bash
# The smoke set, run by scripts/test.sh on the other torch (2.13.0) with that
# environment's python first on PATH: the fast tests, one short campaign on the built-in
# generator, and `fuel check` of a bug that torch 2.13.0 shows (exit 1: a bug found).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
echo "fuel: smoke set on $(python -c 'import torch; print("torch", torch.__version__)')" >&2
# the cluster tests need the ray extra, which the smoke environment does not install
python -m pytest -m "not slow" -q -p no:cacheprovider --ignore=tests/cluster
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
fuel fuzz --max-round 8 --time 3m -j 1 --out "$OUT/campaign" --log >"$OUT/fuzz.log"
tail -n 3 "$OUT/fuzz.log"
fuel status "$OUT/campaign" --json | python -c '
import json, sys
status = json.load(sys.stdin)
assert status["tests"] >= 1, status
print("smoke campaign:", status["tests"], "tests on torch", status["torch_version"])'
set +e
fuel check bench/bugs/floor_divide_inf.py
code=$?
set -e
if [ "$code" -ne 1 ]; then
    echo "fuel: smoke: fuel check of bench/bugs/floor_divide_inf.py exited $code, not 1 (a bug)" >&2
    exit 1
fi
echo "fuel: smoke set passed" >&2
