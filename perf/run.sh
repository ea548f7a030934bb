#!/usr/bin/env bash
# Butterfly benchmarks (DESIGN §8). Seeds a SQLite file and a PostgreSQL database at SCALE,
# starts the release server on 127.0.0.1, drives it with wrk and compares with pgbench.
# Usage: perf/run.sh [SCALE]   (environment: BACKENDS, DURATION, CONNS, REPS, PG_URL, PORT)
# The writers-and-readers scenario runs 60 s (WRITE_SECS) once per backend.
# Output: perf/results/<scale>-<timestamp>/ (raw wrk output and summary.tsv).
# SMOKE=1 (what .ci/run does): the debug binary as it is built, one run of one second per
# scenario, short warm-ups, 100 connections instead of 1,000; it fails when a scenario gives no
# result or any error answer, so that the harness cannot rot. Its numbers mean nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE="${1:-0.01}"
BACKENDS="${BACKENDS:-sqlite postgres}"
DURATION="${DURATION:-5}"        # seconds per wrk / pgbench run
CONNS="${CONNS:-16}"             # concurrency for throughput runs (wrk and pgbench alike)
REPS="${REPS:-3}"                # each measurement is repeated; summary quotes the median
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
PORT="${PORT:-18080}"
HOST="127.0.0.1"                 # loopback only
BASE="http://$HOST:$PORT"
WORK="${WORK:-perf/work}"
OUT="${OUT:-perf/results/${SCALE}-$(date -u +%Y%m%dT%H%M%S)}"
SEED_PASSWORD="butterfly-seed-password-2026"
SMOKE="${SMOKE:-}"
WARMUP=2; MANY=1000
WRITE_SECS=60
if [ -n "$SMOKE" ]; then DURATION=1; REPS=1; WARMUP=1; MANY=100; WRITE_SECS=1; fi
mkdir -p "$WORK" "$OUT"
SUMMARY="$OUT/summary.tsv"
printf 'backend\tmeasurement\trun\treq_per_s\tp50_ms\tp99_ms\tstatus_gt_399\tsocket_errors\n' > "$SUMMARY"

if ! command -v wrk >/dev/null; then
  echo "installing wrk"; apt-get install -y wrk >/dev/null || sudo apt-get install -y wrk >/dev/null
fi
if [ -n "$SMOKE" ]; then
  cargo build --quiet --bin butterfly
  BIN="$PWD/target/debug/butterfly"
else
  cargo build --release --quiet
  BIN="$PWD/target/release/butterfly"
fi
SERVER_PID=""
cleanup() { if [ -n "${REF_PID:-}" ]; then kill "$REF_PID" 2>/dev/null || true; REF_PID=""; fi; if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi; }
trap cleanup EXIT

log() { echo "[$(date -u +%H:%M:%S)] $*" | tee -a "$OUT/log.txt"; }

# wrk_run BACKEND NAME RUN URL [extra wrk args…]: one measurement, appended to the summary.
# WRK_SCRIPT: the wrk script (default perf/report.lua; another must print the same RESULT line).
wrk_run() {
  local backend="$1" name="$2" run="$3" url="$4"; shift 4
  local raw="$OUT/$backend-$name-$run.txt"
  wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency -s "${WRK_SCRIPT:-perf/report.lua}" "$@" "$url" \
    > "$raw" 2>&1 || true
  local line; line=$(grep '^RESULT' "$raw" | tail -1 | cut -d' ' -f2-)
  printf '%s\t%s\t%s\t%s\n' "$backend" "$name" "$run" "$(echo "$line" | tr ' ' '\t')" >> "$SUMMARY"
  log "$backend $name #$run: $line"
}

# wrk_pair BACKEND NAME RUN URL_A URL_B: two wrk at once, CONNS/2 connections each, one per URL
# (one per server); one summary row: req/s summed, p50 and p99 the worse of the two, errors summed.
wrk_pair() {
  local backend="$1" name="$2" run="$3" half=$(( CONNS / 2 > 0 ? CONNS / 2 : 1 ))
  local raw="$OUT/$backend-$name-$run"
  wrk -t1 -c"$half" -d"${DURATION}s" --latency -s perf/report.lua "$4" > "$raw-a.txt" 2>&1 &
  local pid_a=$!
  wrk -t1 -c"$half" -d"${DURATION}s" --latency -s perf/report.lua "$5" > "$raw-b.txt" 2>&1 || true
  wait "$pid_a" || true
  local line; line=$(cat "$raw-a.txt" "$raw-b.txt" | awk '/^RESULT/ { n++; rps += $2
      if ($3 > p50) p50 = $3; if ($4 > p99) p99 = $4; status += $5; sock += $6 }
    END { if (n == 2) printf "%.1f %.3f %.3f %d %d", rps, p50, p99, status, sock }')
  printf '%s\t%s\t%s\t%s\n' "$backend" "$name" "$run" "$(echo "$line" | tr ' ' '\t')" >> "$SUMMARY"
  log "$backend $name #$run: $line"
}

# start_server DATABASE_URL LABEL [PORT]. Request limits are off unless RATE_LIMITS=true; the
# search limit per IP is SEARCH_PER_IP then (default: the server's).
start_server() {
  local port="${3:-$PORT}"
  env BUTTERFLY_DATABASE_URL="$1" BUTTERFLY_BIND="$HOST:$port" BUTTERFLY_DATA_DIR="$WORK/data" \
    BUTTERFLY_LOG=warn BUTTERFLY_RATE_LIMITS__ENABLED="${RATE_LIMITS:-false}" \
    ${SEARCH_PER_IP:+"BUTTERFLY_RATE_LIMITS__SEARCH__PER_IP=$SEARCH_PER_IP"} \
    "$BIN" serve > "$OUT/server-$2.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do curl -fs "http://$HOST:$port/health/live" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "server did not start"; cat "$OUT/server-$2.log"; exit 1
}

# Signed-in scenarios: member1 (trust level 1: not held by the new-member pace) and the seeded
# moderator, who turns two-factor authentication on (staff powers need it) with a TOTP code
# computed here from the enrolment secret (RFC 6238: SHA-1, 6 digits, 30 s steps). Access tokens
# last 15 minutes: fresh_tokens swaps both refresh tokens for new pairs before each round.
urlencode() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }
totp() {
  python3 - "$1" <<'PY'
import base64, hashlib, hmac, struct, sys, time
secret = sys.argv[1]
key = base64.b32decode(secret + "=" * (-len(secret) % 8))
digest = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
offset = digest[-1] & 15
print("%06d" % ((struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1000000))
PY
}
post_json() { # post_json PATH JSON [TOKEN]: the answer's body; fails on an error status
  curl -fsS -X POST "$BASE$1" -H 'content-type: application/json' ${3:+-H "Authorization: Bearer $3"} -d "$2"
}
sign_in() { post_json /api/v1/sessions "{\"email\":\"$1\",\"password\":\"$SEED_PASSWORD\"}"; }
sign_in_all() {
  local session secret
  session=$(sign_in member1@seed.butterfly.test)
  MEMBER_TOKEN=$(jq -r .access_token <<<"$session"); MEMBER_REFRESH=$(jq -r .refresh_token <<<"$session")
  session=$(sign_in moderator@seed.butterfly.test)
  MOD_TOKEN=$(jq -r .access_token <<<"$session"); MOD_REFRESH=$(jq -r .refresh_token <<<"$session")
  secret=$(post_json /api/v1/me/two-factor "{\"password\":\"$SEED_PASSWORD\"}" "$MOD_TOKEN" | jq -r .secret)
  post_json /api/v1/me/two-factor/confirm "{\"code\":\"$(totp "$secret")\"}" "$MOD_TOKEN" >/dev/null
}
fresh_tokens() {
  local session
  session=$(post_json /api/v1/sessions/refresh "{\"refresh_token\":\"$MEMBER_REFRESH\"}")
  MEMBER_TOKEN=$(jq -r .access_token <<<"$session"); MEMBER_REFRESH=$(jq -r .refresh_token <<<"$session")
  session=$(post_json /api/v1/sessions/refresh "{\"refresh_token\":\"$MOD_REFRESH\"}")
  MOD_TOKEN=$(jq -r .access_token <<<"$session"); MOD_REFRESH=$(jq -r .refresh_token <<<"$session")
}

# pgbench_run NAME RUN SQL_FILE [-D var=value …]: one pgbench measurement on $DB_URL.
pgbench_run() {
  local name="$1" run="$2" file="$3"; shift 3
  local raw="$OUT/pgbench-$name-$run.txt"
  pgbench -n -f "$file" "$@" -c"$CONNS" -j1 -M prepared -T"$DURATION" "$DB_URL" > "$raw" 2>&1 || true
  local tps; tps=$(grep -E '^tps' "$raw" | head -1 | awk '{print $3}')
  printf '%s\tpgbench_%s\t%s\t%s\t\t\t\t\n' "$backend" "$name" "$run" "$tps" >> "$SUMMARY"
  log "pgbench $name #$run: $tps tps"
}

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$SERVER_PID/status"; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$SERVER_PID/status"; }

REF_SCALE="${REF_SCALE:-0.01}"   # the small database the data-size comparison runs against

db_url_for() { # db_url_for BACKEND SCALE
  case "$1" in
    sqlite) echo "sqlite://$PWD/$WORK/bench-$2.db" ;;
    postgres) echo "$PG_URL/butterfly_perf_${2//./_}" ;;
  esac
}

for backend in $BACKENDS; do
  case "$backend" in
    sqlite) rm -f "$WORK/bench-$SCALE.db"*; DB_URL="sqlite://$PWD/$WORK/bench-$SCALE.db" ;;
    postgres)
      DBNAME="butterfly_perf_${SCALE//./_}"
      psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $DBNAME" -c "CREATE DATABASE $DBNAME" >/dev/null
      DB_URL="$PG_URL/$DBNAME" ;;
  esac
  log "$backend: seeding at scale $SCALE"
  t0=$(date +%s.%N)
  BUTTERFLY_DATABASE_URL="$DB_URL" BUTTERFLY_DATA_DIR="$WORK/data" BUTTERFLY_LOG=warn \
    "$BIN" seed --scale "$SCALE" > "$OUT/seed-$backend.log"
  t1=$(date +%s.%N)
  log "$backend: seeded in $(echo "$t1 - $t0" | bc) s: $(tail -1 "$OUT/seed-$backend.log")"

  start_server "$DB_URL" "$backend"
  log "$backend: server pid $SERVER_PID, idle RSS $(rss_kb) kB"

  LIST="$BASE/api/v1/boards/my-story/threads?sort=active"
  # The longest thread on the first page of the board (the most posts to page through).
  THREAD=$(curl -fs "$LIST&limit=100" | jq '[.items[]] | max_by(.reply_count) | .id')
  POSTS="$BASE/api/v1/threads/$THREAD/posts"
  # Deep page: walk the cursor 999 times (limit chosen so that 1,000 pages exist), once.
  NTHREADS=$(curl -fs "$BASE/api/v1/boards/my-story" | jq '.thread_count')
  DEEP_LIMIT=$(( NTHREADS / 1000 )); [ "$DEEP_LIMIT" -gt 20 ] && DEEP_LIMIT=20
  [ "$DEEP_LIMIT" -lt 1 ] && DEEP_LIMIT=1
  CURSOR=""; PAGE=1
  while [ "$PAGE" -lt 1000 ]; do
    NEXT=$(curl -fs "$LIST&limit=$DEEP_LIMIT${CURSOR:+&cursor=$CURSOR}" | jq -r '.next_cursor // empty')
    [ -z "$NEXT" ] && break
    CURSOR="$NEXT"; PAGE=$((PAGE + 1))
  done
  log "$backend: my-story has $NTHREADS threads; deep page = page $PAGE at limit $DEEP_LIMIT; thread $THREAD"
  echo "$backend thread=$THREAD deep_page=$PAGE deep_limit=$DEEP_LIMIT my_story_threads=$NTHREADS" >> "$OUT/params.txt"
  FIRST_URL="$LIST&limit=$DEEP_LIMIT"
  DEEP_URL="$LIST&limit=$DEEP_LIMIT${CURSOR:+&cursor=$CURSOR}"

  # Warm up (caches, connection pool) without recording.
  wrk -t1 -c"$CONNS" -d"${WARMUP}s" "$LIST" >/dev/null 2>&1 || true
  wrk -t1 -c"$CONNS" -d"${WARMUP}s" "$POSTS" >/dev/null 2>&1 || true

  for r in $(seq 1 "$REPS"); do
    wrk_run "$backend" board_list "$r" "$LIST"
    wrk_run "$backend" thread_page "$r" "$POSTS"
    wrk_run "$backend" first_page "$r" "$FIRST_URL"
    wrk_run "$backend" deep_page "$r" "$DEEP_URL"
  done

  # Searches, staff and member pages, and a write. Replies go to the newest thread of the first
  # public board other than my-story, so that the lists measured above keep their order.
  TRIAL_EN="$BASE/api/v1/trials?q=$(urlencode "lupus nephritis")"
  TRIAL_ZH="$BASE/api/v1/trials?q=$(urlencode "狼疮肾炎")"
  TRIAL_NEAR="$BASE/api/v1/trials?near=39.9042,116.4074&radius_km=100&age=34"   # Beijing
  SEARCH_EN="$BASE/api/v1/search?q=fatigue"
  SEARCH_ZH="$BASE/api/v1/search?q=$(urlencode "狼疮")"
  REPLY_BOARD=$(curl -fs "$BASE/api/v1/boards" \
    | jq -r '[.[] | select(.slug != "my-story" and (.members_only | not))][0].slug')
  REPLY_THREAD=$(curl -fs "$BASE/api/v1/boards/$REPLY_BOARD/threads?sort=new&limit=1" | jq '.items[0].id')
  echo "$backend reply_thread=$REPLY_THREAD reply_board=$REPLY_BOARD" >> "$OUT/params.txt"
  sign_in_all
  for url in "$TRIAL_EN" "$SEARCH_EN"; do wrk -t1 -c"$CONNS" -d"${WARMUP}s" "$url" >/dev/null 2>&1 || true; done
  for r in $(seq 1 "$REPS"); do
    fresh_tokens
    MEMBER=(-H "Authorization: Bearer $MEMBER_TOKEN")
    wrk_run "$backend" trial_search_en "$r" "$TRIAL_EN"
    wrk_run "$backend" trial_search_zh "$r" "$TRIAL_ZH"
    wrk_run "$backend" trial_search_near_age "$r" "$TRIAL_NEAR"
    wrk_run "$backend" forum_search_en "$r" "$SEARCH_EN"
    wrk_run "$backend" forum_search_zh "$r" "$SEARCH_ZH"
    wrk_run "$backend" moderation_queue "$r" "$BASE/api/v1/moderation/queue" \
      -H "Authorization: Bearer $MOD_TOKEN"
    wrk_run "$backend" notifications "$r" "$BASE/api/v1/notifications" "${MEMBER[@]}"
    wrk_run "$backend" board_list_signed_in "$r" "$LIST" "${MEMBER[@]}"
    WRK_SCRIPT=perf/reply.lua wrk_run "$backend" reply_create "$r" \
      "$BASE/api/v1/threads/$REPLY_THREAD/posts" "${MEMBER[@]}"
  done

  # Writers and readers together for WRITE_SECS (60 s; a second in smoke mode): CONNS writers
  # creating replies while CONNS readers read the thread page, each with its own wrk. On SQLite
  # every write queues on the one writer connection; the errors columns must stay at zero.
  fresh_tokens
  MEMBER=(-H "Authorization: Bearer $MEMBER_TOKEN")
  DURATION="$WRITE_SECS" WRK_SCRIPT=perf/reply.lua wrk_run "$backend" writers_beside_readers 1 \
    "$BASE/api/v1/threads/$REPLY_THREAD/posts" "${MEMBER[@]}" &
  WRITERS_PID=$!
  DURATION="$WRITE_SECS" wrk_run "$backend" readers_beside_writers 1 "$POSTS"
  wait "$WRITERS_PID"

  # Login flood vs readers: read alone, then read with a concurrent login flood (alternating).
  USERS=$(tail -1 "$OUT/seed-$backend.log" | sed -E 's/^seeded: ([0-9]+) users.*/\1/')
  for r in $(seq 1 "$REPS"); do
    wrk_run "$backend" read_alone "$r" "$POSTS"
    USERS="$USERS" SEED_PASSWORD="$SEED_PASSWORD" wrk -t1 -c"$CONNS" -d"$((DURATION + 2))s" \
      -s perf/login.lua "$BASE" > "$OUT/$backend-login-$r.txt" 2>&1 &
    LOGIN_PID=$!
    sleep 1
    wrk_run "$backend" read_under_login_flood "$r" "$POSTS"
    wait "$LOGIN_PID" || true
    log "$backend login flood #$r: $(grep '^LOGIN' "$OUT/$backend-login-$r.txt" || echo none)"
  done

  log "$backend: RSS after the login floods $(rss_kb) kB (VmHWM $(hwm_kb) kB)"
  # Memory at 1,000 open connections (wrk keeps them open and busy), on a freshly started
  # server: argon2's buffers from the login flood stay in the allocator and would be counted.
  cleanup; SERVER_PID=""
  start_server "$DB_URL" "$backend-c1000"
  wrk -t1 -c"$CONNS" -d"${WARMUP}s" "$POSTS" >/dev/null 2>&1 || true
  log "$backend: fresh server for c1000, RSS after warm-up $(rss_kb) kB"
  (
    ulimit -n 8192
    wrk -t2 -c"$MANY" -d"$((DURATION * 2))s" --timeout 10s -s perf/report.lua "$POSTS" \
      > "$OUT/$backend-c1000.txt" 2>&1
  ) &
  C1000_PID=$!
  MAX_RSS=0
  while kill -0 "$C1000_PID" 2>/dev/null; do
    R=$(rss_kb); [ "$R" -gt "$MAX_RSS" ] && MAX_RSS=$R
    sleep 0.2
  done
  OPEN=$(ls "/proc/$SERVER_PID/fd" | wc -l)
  log "$backend c1000: max sampled VmRSS $MAX_RSS kB, VmHWM $(hwm_kb) kB; $(grep '^RESULT' "$OUT/$backend-c1000.txt" || true)"
  printf '%s\tc1000_rss_kb\t1\t%s\t\t\t\t\n' "$backend" "$MAX_RSS" >> "$SUMMARY"
  grep -E 'Socket errors|Non-2xx' "$OUT/$backend-c1000.txt" >> "$OUT/log.txt" || true

  # pgbench: the same SQL the API runs (board list, thread page, the text searches), at the
  # same concurrency.
  if [ "$backend" = postgres ]; then
    BOARD_ID=$(psql "$DB_URL" -Atc "SELECT id FROM boards WHERE slug = 'my-story'")
    TODAY=$(date -u +%F)
    for r in $(seq 1 "$REPS"); do pgbench_run board_list "$r" perf/board_list.sql -D board_id="$BOARD_ID"; done
    for r in $(seq 1 "$REPS"); do pgbench_run thread_page "$r" perf/thread_page.sql -D thread_id="$THREAD"; done
    for r in $(seq 1 "$REPS"); do
      pgbench_run trial_search_en "$r" perf/trial_search.sql -D today="$TODAY" -D term1=lupus \
        -D term2=nephritis
    done
    for r in $(seq 1 "$REPS"); do pgbench_run forum_search_en "$r" perf/forum_search.sql -D phrase=fatigue; done
    for r in $(seq 1 "$REPS"); do pgbench_run forum_search_zh "$r" perf/forum_search.sql -D phrase="狼 疮"; done
  fi
  cleanup; SERVER_PID=""

  # Scale-out (PostgreSQL): a second server on the same database. The board list and a
  # rate-limited search (limits on, the search limit far above what wrk sends: the limiter runs
  # but never refuses), one server at CONNS against two at CONNS/2 each, alternated.
  if [ "$backend" = postgres ]; then
    export RATE_LIMITS=true SEARCH_PER_IP=100000000
    TWO_PORT=$((PORT + 2))
    start_server "$DB_URL" "$backend-second" "$TWO_PORT"; REF_PID=$SERVER_PID
    start_server "$DB_URL" "$backend-first"
    unset RATE_LIMITS SEARCH_PER_IP
    TWO_BASE="http://$HOST:$TWO_PORT"
    SEARCH_PATH="/api/v1/search?q=fatigue"
    LIST_PATH="/api/v1/boards/my-story/threads?sort=active"
    for url in "$BASE$LIST_PATH" "$TWO_BASE$LIST_PATH" "$BASE$SEARCH_PATH" "$TWO_BASE$SEARCH_PATH"; do
      wrk -t1 -c"$CONNS" -d"${WARMUP}s" "$url" >/dev/null 2>&1 || true
    done
    for r in $(seq 1 "$REPS"); do
      wrk_run "$backend" one_instance_board_list "$r" "$BASE$LIST_PATH"
      wrk_pair "$backend" two_instances_board_list "$r" "$BASE$LIST_PATH" "$TWO_BASE$LIST_PATH"
      wrk_run "$backend" one_instance_search "$r" "$BASE$SEARCH_PATH"
      wrk_pair "$backend" two_instances_search "$r" "$BASE$SEARCH_PATH" "$TWO_BASE$SEARCH_PATH"
    done
    kill "$REF_PID" 2>/dev/null || true; wait "$REF_PID" 2>/dev/null || true; REF_PID=""
    cleanup; SERVER_PID=""
  fi

  # Data size: the same requests against a REF_SCALE database and this one, two servers up at
  # once, runs alternated, so both sides see the same machine state.
  if [ "$SCALE" != "$REF_SCALE" ]; then
    REF_URL=$(db_url_for "$backend" "$REF_SCALE")
    case "$backend" in
      sqlite) rm -f "$WORK/bench-$REF_SCALE.db"* ;;
      postgres) psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS butterfly_perf_${REF_SCALE//./_}" \
                  -c "CREATE DATABASE butterfly_perf_${REF_SCALE//./_}" >/dev/null ;;
    esac
    BUTTERFLY_DATABASE_URL="$REF_URL" BUTTERFLY_DATA_DIR="$WORK/data" BUTTERFLY_LOG=warn \
      "$BIN" seed --scale "$REF_SCALE" > "$OUT/seed-$backend-ref.log"
    REF_PORT=$((PORT + 1))
    start_server "$REF_URL" "$backend-ref" "$REF_PORT"; REF_PID=$SERVER_PID
    start_server "$DB_URL" "$backend-big"; BIG_PID=$SERVER_PID
    REF_BASE="http://$HOST:$REF_PORT"
    REF_LIST="$REF_BASE/api/v1/boards/my-story/threads?sort=active"
    REF_THREAD=$(curl -fs "$REF_LIST&limit=100" | jq '[.items[]] | max_by(.reply_count) | .id')
    log "$backend data size: $REF_SCALE (thread $REF_THREAD) vs $SCALE (thread $THREAD)"
    wrk -t1 -c"$CONNS" -d"${WARMUP}s" "$REF_LIST" >/dev/null 2>&1 || true
    wrk -t1 -c"$CONNS" -d"${WARMUP}s" "$REF_BASE/api/v1/threads/$REF_THREAD/posts" >/dev/null 2>&1 || true
    for r in $(seq 1 "$REPS"); do
      wrk_run "$backend" "size_${REF_SCALE}_board_list" "$r" "$REF_LIST"
      wrk_run "$backend" "size_${SCALE}_board_list" "$r" "$LIST"
      wrk_run "$backend" "size_${REF_SCALE}_thread_page" "$r" "$REF_BASE/api/v1/threads/$REF_THREAD/posts"
      wrk_run "$backend" "size_${SCALE}_thread_page" "$r" "$POSTS"
    done
    kill "$REF_PID" 2>/dev/null || true; wait "$REF_PID" 2>/dev/null || true
    cleanup; SERVER_PID=""
  fi
done

python3 perf/summarize.py "$SUMMARY" | tee "$OUT/medians.txt"
log "results in $OUT"
if [ -n "$SMOKE" ]; then
  # Every scenario measured something, and nothing answered with an error.
  bad=$(awk -F'\t' 'NR > 1 && ($4 == "" || ($7 != "" && $7 != "0"))' "$SUMMARY")
  if [ -n "$bad" ]; then echo "perf smoke: scenarios without a result or with errors:"; echo "$bad"; exit 1; fi
  echo "perf smoke: every scenario ran without errors"
fi
