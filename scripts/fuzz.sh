#!/usr/bin/env bash
# The main job: set up .venv if needed, then check the shipped example programs.
# Extra arguments go to fuel check.
source "$(dirname "$0")/env.sh"
fuel check examples/*.py "$@" || [ $? -eq 1 ]
