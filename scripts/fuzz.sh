#!/usr/bin/env bash
# The main job: set up .venv if needed, then run a short campaign (3 minutes of
# testing) on the built-in generator into results/. Extra arguments go to fuel fuzz
# and win over these defaults (e.g. --time 30m, --out DIR, -j 1).
source "$(dirname "$0")/env.sh"
fuel fuzz --time 3m "$@"
