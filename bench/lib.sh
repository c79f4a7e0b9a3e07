# shellcheck shell=bash
# Shared by bench/run-all and bench/<name>: the production-like stack on loopback.
#
# A script that sources this file calls `stack_up`. When bench/run-all has started the
# stack already (BENCH_STACK_UP=1 in the environment), stack_up does nothing; otherwise it
# creates the bench database, starts gunicorn and a Celery worker, and registers a trap
# that stops them and drops the database on any exit.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
cd "$ROOT"

PY=${PY:-$ROOT/.venv/bin/python}
export BENCH_RESULTS=${BENCH_RESULTS:-$BENCH_DIR/results}
BENCH_DB=${BENCH_DB:-pht_bench}
BENCH_PORT=${BENCH_PORT:-8300}
BENCH_REDIS_DB=${BENCH_REDIS_DB:-3}
# Three sync workers on two cores: the figures in docs/benchmarks.md are measured with three.
BENCH_WEB_WORKERS=${BENCH_WEB_WORKERS:-3}
BENCH_RENDER_WORKERS=${BENCH_RENDER_WORKERS:-2}
# CPU priority of the render worker: nice 10, as make run starts it (docker-compose gives the
# worker a quarter of the web's CPU weight instead). BENCH_RENDER_NICE=0 measures without.
BENCH_RENDER_NICE=${BENCH_RENDER_NICE:-10}
export BENCH_WEB_WORKERS BENCH_RENDER_WORKERS BENCH_RENDER_NICE  # for bench/report.py
PG=(-h 127.0.0.1 -p 5432 -U postgres)

die() {
  echo "bench: $*" >&2
  exit 1
}

log() {
  printf '\n== %s  %s\n' "$(date +%H:%M:%S)" "$*"
}

bench_env() {
  # Production settings (DEBUG off); plain http on loopback, so no TLS redirect.
  BENCH_WORK=$(mktemp -d /tmp/pht-bench.XXXXXX)
  export BENCH_WORK
  export DEBUG=0
  SECRET_KEY="bench-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(48))')"
  export SECRET_KEY
  export ALLOWED_HOSTS=127.0.0.1
  export SECURE_SSL_REDIRECT=0
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$BENCH_DB"
  export CELERY_BROKER_URL="redis://127.0.0.1:6379/$BENCH_REDIS_DB"
  export CACHE_URL="redis://127.0.0.1:6379/$BENCH_REDIS_DB"  # shared by gunicorn's workers
  export PHT_DATA_DIR=$BENCH_WORK/data
  export STATIC_ROOT=$BENCH_WORK/static
  export LOG_LEVEL=WARNING
  export BENCH_BASE_URL="http://127.0.0.1:$BENCH_PORT"
  export PYTHONDONTWRITEBYTECODE=1
  mkdir -p "$BENCH_RESULTS"
}

check_services() {
  [[ -x $PY ]] || die "no virtualenv at $PY: run 'make bench' (it installs the dependencies)"
  pg_isready -q "${PG[@]}" ||
    die "PostgreSQL does not answer on 127.0.0.1:5432 (start it: pg_ctlcluster 15 main start)"
  psql "${PG[@]}" -tAc 'select 1' >/dev/null 2>&1 ||
    die "cannot connect to PostgreSQL as user postgres (trust auth expected)"
  redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 ||
    die "Redis does not answer on 127.0.0.1:6379"
  if curl -s -o /dev/null "http://127.0.0.1:$BENCH_PORT/" 2>/dev/null; then
    die "port $BENCH_PORT is in use; set BENCH_PORT to a free port"
  fi
}

# Process ids live in files: bench/run-all starts the stack, bench/pdf restarts the worker.
pid_of() { cat "$BENCH_WORK/$1.pid" 2>/dev/null || true; }

start_web() {
  "$PY" -m gunicorn pht_clinic.wsgi:application \
    --bind "127.0.0.1:$BENCH_PORT" --workers "$BENCH_WEB_WORKERS" --worker-class sync \
    --timeout 60 --log-level warning >>"$BENCH_RESULTS/gunicorn.log" 2>&1 &
  echo $! >"$BENCH_WORK/web.pid"
  for _ in $(seq 1 60); do
    if curl -fs -o /dev/null "$BENCH_BASE_URL/healthz"; then
      return 0
    fi
    kill -0 "$(pid_of web)" 2>/dev/null || die "gunicorn exited; see $BENCH_RESULTS/gunicorn.log"
    sleep 0.5
  done
  die "gunicorn did not answer /healthz within 30 s; see $BENCH_RESULTS/gunicorn.log"
}

# start_worker CONCURRENCY: a Celery worker with that many render processes.
start_worker() {
  local log_file=$BENCH_RESULTS/worker.log
  local mark
  touch "$log_file"
  mark=$(wc -l <"$log_file")
  nice -n "$BENCH_RENDER_NICE" "$PY" -m celery -A pht_clinic worker --concurrency="$1" --loglevel=INFO \
    --hostname="pht-bench-$$@%h" --without-gossip --without-mingle \
    >>"$log_file" 2>&1 &
  echo $! >"$BENCH_WORK/worker.pid"
  for _ in $(seq 1 120); do
    if tail -n +"$((mark + 1))" "$log_file" | grep -q ' ready\.'; then
      return 0
    fi
    kill -0 "$(pid_of worker)" 2>/dev/null || die "the Celery worker exited; see $log_file"
    sleep 0.25
  done
  die "the Celery worker was not ready within 30 s; see $log_file"
}

# stop PID: TERM, wait up to 20 s, then KILL (only the process we started, by its id).
stop_pid() {
  local pid=$1
  [[ -n $pid ]] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 80); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.25
  done
  echo "bench: process $pid did not stop in 20 s; killing it" >&2
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

stop_worker() {
  stop_pid "$(pid_of worker)"
  rm -f "$BENCH_WORK/worker.pid"
}

stack_down() {
  local status=$?
  trap - EXIT INT TERM
  set +e
  log "stopping the stack"
  stop_pid "$(pid_of web)"
  stop_pid "$(pid_of worker)"
  psql "${PG[@]}" -qc "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" >/dev/null 2>&1 ||
    echo "bench: could not drop database $BENCH_DB" >&2
  redis-cli -h 127.0.0.1 -p 6379 -n "$BENCH_REDIS_DB" flushdb >/dev/null 2>&1
  [[ -n ${BENCH_WORK:-} && -d $BENCH_WORK ]] && rm -rf "$BENCH_WORK"
  if ((status != 0)); then
    echo "bench: FAILED (exit $status); logs in $BENCH_RESULTS/" >&2
  fi
  exit "$status"
}

stack_up() {
  if [[ ${BENCH_STACK_UP:-0} == 1 ]]; then
    return 0
  fi
  check_services
  bench_env
  trap stack_down EXIT
  trap 'exit 130' INT TERM
  : >"$BENCH_RESULTS/gunicorn.log"
  : >"$BENCH_RESULTS/worker.log"
  log "database $BENCH_DB (fresh), migrations, static files"
  psql "${PG[@]}" -qc "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" >/dev/null
  createdb "${PG[@]}" "$BENCH_DB"
  "$PY" manage.py migrate --no-input -v 0
  "$PY" manage.py collectstatic --no-input -v 0
  redis-cli -h 127.0.0.1 -p 6379 -n "$BENCH_REDIS_DB" flushdb >/dev/null
  log "generated data: base"
  "$PY" -m bench.seed base
  log "gunicorn ($BENCH_WEB_WORKERS sync workers) and a Celery worker ($BENCH_RENDER_WORKERS processes)"
  start_web
  start_worker "$BENCH_RENDER_WORKERS"
  export BENCH_STACK_UP=1
}
