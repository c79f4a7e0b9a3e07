#!/usr/bin/env bash
# Starts a Celery worker (with the periodic sweeper) and the web server; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
ADDR="${ADDR:-127.0.0.1:8000}"
# The diary link printed in programmes (rendered by the worker) points at this server unless
# PUBLIC_BASE_URL says otherwise (set it when phones reach the server by another name).
case "$ADDR" in
  *:*) HOST_PORT="$ADDR" ;;
  *) HOST_PORT="127.0.0.1:$ADDR" ;; # runserver takes a bare port too
esac
export PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://$HOST_PORT}"

# Beat's schedule file lives with the rest of the app's data (PHT_DATA_DIR, as settings.py).
DATA_DIR="${PHT_DATA_DIR:-data}"
mkdir -p "$DATA_DIR"
# The worker renders PDFs at a lower CPU priority than the pages (docs/benchmarks.md). It
# runs in a session of its own: a TERM to this script's whole group (a process manager
# stopping the group, `kill -- -PGID`) would reach its pool processes too, and Celery's main
# process then hangs waiting for them (celery/celery#2700). This script stops it instead,
# with one TERM to its main process: a warm shutdown. If this script is killed (KILL), Linux
# sends the worker that TERM (scripts/exec_with_parent.py).
setsid nice -n "${WORKER_NICE:-10}" "$PY" scripts/exec_with_parent.py $$ \
  -m celery -A pht_clinic worker --beat --loglevel=INFO --concurrency=2 \
  --schedule="$DATA_DIR/celerybeat-schedule" &
# Ctrl-C, or a TERM or HUP to this script, stops both; the server runs in the background so
# that the script hears them while it serves. Asked again while they stop (a second Ctrl-C),
# the worker is told to stop at once (QUIT: Celery's cold shutdown); the script still waits
# for both.
stop() {
  trap 'kill -QUIT $(jobs -pr) 2>/dev/null || true' HUP INT TERM
  # shellcheck disable=SC2046 # one word per background process
  kill -TERM $(jobs -p) 2>/dev/null || true
  while [ -n "$(jobs -pr)" ]; do wait 2>/dev/null || true; done
}
trap stop EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

cat <<MSG

  PHT Rehab Planner is starting on http://$ADDR/
  Programmes link their diary to $PUBLIC_BASE_URL

  Demo logins (password for all: demo-pht-2026!)
    physiotherapist   alex.physio     (also sam.physio)
    clinic admin      jo.admin
    patient           pat.patient
    other clinic      kim.physio, lee.admin (Northside Sports Clinic)

  Ctrl-C stops the web server and the worker.

MSG
# Its input stays the terminal's (a background command's is /dev/null): breakpoint() works.
"$PY" manage.py runserver "$ADDR" <&0 &
web=$!
wait "$web"
