#!/usr/bin/env bash
# Starts a throw-away MongoDB-wire-compatible server (SecantusDB, GPL, run as a
# separate process, never linked) for pet-mongo's tests, on 127.0.0.1 and a free port.
#
# Usage: scripts/mongo-test-server.sh [--watch PID]
# PET_MONGO_TEST_HOST picks the address to listen on (default 127.0.0.1; the
# many-hosts test gives the address of a bridge its network namespaces reach).
# Prints one line: "URI SERVER_PID". With --watch, a watchdog stops the server
# (and deletes its data) as soon as process PID is gone; without it, stop it with
# `kill SERVER_PID` and remove the directory named in the log line on stderr.
# Installs SecantusDB into target/mongo-venv once (a flock guards parallel callers).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/target/mongo-venv"
server="$venv/bin/secantusd-py"
watch=""
if [ "${1:-}" = "--watch" ]; then
  watch="${2:?--watch needs a PID}"
fi
mkdir -p "$root/target"
(
  flock 9
  if [ ! -x "$server" ]; then
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install -q --disable-pip-version-check 'SecantusDB==0.7.0b3' >&2
  fi
) 9>"$root/target/mongo-venv.lock"
dir="$(mktemp -d "${TMPDIR:-/tmp}/pet-mongo-server.XXXXXX")"
log="$dir/server.log"
host="${PET_MONGO_TEST_HOST:-127.0.0.1}"
# The log exists before the server starts: the background job opens it after
# the fork, and reading it first (with pipefail) would end this script.
: >"$log"
"$server" --host "$host" --port 0 --storage-path "$dir/data" --standalone --sync-on-commit \
  </dev/null >"$log" 2>&1 &
pid=$!
port=""
for _ in $(seq 1 300); do
  port="$(sed -n "s/.*secantus listening on ${host//./\\.}:\([0-9][0-9]*\).*/\1/p" "$log" | head -n1)"
  [ -n "$port" ] && break
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "the test server exited at start; its log:" >&2
    cat "$log" >&2
    rm -rf "$dir"
    exit 1
  fi
  sleep 0.1
done
if [ -z "$port" ]; then
  echo "the test server did not listen within 30 s; its log:" >&2
  cat "$log" >&2
  kill "$pid" 2>/dev/null || true
  rm -rf "$dir"
  exit 1
fi
if [ -n "$watch" ]; then
  # Detached watchdog: polls the watched process, then stops the server (SIGTERM,
  # SIGKILL after 10 s) and deletes its data. Its own output goes nowhere, so the
  # caller reading our stdout sees end-of-file right after the URI line.
  setsid bash -c '
    while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 0.5; done
    kill -TERM "$2" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$2" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$2" 2>/dev/null
    rm -rf "$3"
  ' watchdog "$watch" "$pid" "$dir" </dev/null >/dev/null 2>&1 &
else
  echo "server data and log in $dir" >&2
fi
echo "mongodb://$host:$port/?directConnection=true $pid"
