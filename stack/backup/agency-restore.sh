#!/usr/bin/env bash
# Restores what agency-backup.sh saved (docs/operations.md walks through a full restore).
#   agency-restore.sh list                  the backups in the bucket
#   agency-restore.sh fetch STAMP DIR       download one backup, decrypt it into DIR, check SHA256SUMS
#   agency-restore.sh unseal SEALED DIR     decrypt already downloaded *.enc files into DIR and check them
#   agency-restore.sh postgres FILE         load a postgres.sql.gz (replaces the tables it holds)
#   agency-restore.sh volume VOLUME FILE    replace a volume's content (stop its container first)
#   agency-restore.sh redis FILE            replace the queue with a redis.rdb (stops and starts agency-redis)
#   agency-restore.sh qdrant DIR            recover each collection from DIR's qdrant-*.snapshot files
# Settings as for agency-backup.sh; PSQL overrides the psql command and REDIS_DATA_DIR a local
# Redis data folder (the tests use both).
set -euo pipefail

# shellcheck source=agency-backup-lib.sh
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/agency-backup-lib.sh"

# Decrypts SEALED/*.enc into DIR and checks the decrypted files against their checksums.
unseal() {
  local sealed="$1" dir="$2" f
  mkdir -p "$dir"
  chmod 700 "$dir"
  for f in "$sealed"/*.enc; do
    [ -f "$f" ] || { echo "agency-restore: no *.enc files in $sealed" >&2; exit 1; }
    local name="${f##*/}"
    crypt -d -in "$f" -out "$dir/${name%.enc}" || { echo "agency-restore: cannot decrypt $f (wrong BACKUP_PASSPHRASE?)" >&2; exit 1; }
  done
  (cd "$dir" && sha256sum -c --quiet SHA256SUMS)
}

restore_postgres() {
  local file="$1"
  [ -r "$file" ] || { echo "agency-restore: cannot read $file" >&2; exit 1; }
  if [ -n "${PG_BINDIRS:-}" ]; then
    # The psql of the server's version: a newer pg_dump writes meta-commands an older psql lacks.
    local psql
    psql="$(pg_tool psql)"
    gunzip -c "$file" | "$psql" -v ON_ERROR_STOP=1 --quiet --dbname="${DATABASE_URL:?DATABASE_URL is not set}"
  elif [ -n "${PSQL:-}" ]; then
    gunzip -c "$file" | $PSQL -v ON_ERROR_STOP=1 --quiet --dbname="${DATABASE_URL:?DATABASE_URL is not set}"
  elif [ -n "${POSTGRES_CONTAINER:-}" ]; then
    gunzip -c "$file" | docker exec -i "$POSTGRES_CONTAINER" psql -v ON_ERROR_STOP=1 --quiet -U agency -d agency
  else
    gunzip -c "$file" | docker run --rm -i -e DATABASE_URL "$PG_IMAGE" sh -c 'exec psql -v ON_ERROR_STOP=1 --quiet --dbname="$DATABASE_URL"'
  fi
}

# Loads FILE into the data folder DIR as Redis itself would write it: with appendonly on, Redis
# reads only its AOF, so the dump is loaded with AOF off and AOF then turned on, which writes the
# AOF from what was loaded. Runs wherever redis-server is (the Redis image, or the tests' machine).
REDIS_LOAD='set -eu
dir="$1"
redis-server --port "${REDIS_LOAD_PORT:-6399}" --bind 127.0.0.1 --dir "$dir" --appendonly no --save "" --daemonize no >/dev/null &
until redis-cli -p "${REDIS_LOAD_PORT:-6399}" ping 2>/dev/null | grep -q PONG; do sleep 0.2; done
redis-cli -p "${REDIS_LOAD_PORT:-6399}" config set appendonly yes >/dev/null
until redis-cli -p "${REDIS_LOAD_PORT:-6399}" info persistence | grep -q "aof_rewrite_in_progress:0" && redis-cli -p "${REDIS_LOAD_PORT:-6399}" info persistence | grep -q "aof_rewrite_scheduled:0" && [ -d "$dir/appendonlydir" ]; do sleep 0.2; done
sleep 1
redis-cli -p "${REDIS_LOAD_PORT:-6399}" shutdown >/dev/null || true
wait'

restore_redis() {
  local file="$1"
  [ "$(head -c 5 "$file" 2>/dev/null)" = REDIS ] || { echo "agency-restore: $file is not a Redis dump" >&2; exit 1; }
  if [ -n "${REDIS_DATA_DIR:-}" ]; then
    find "$REDIS_DATA_DIR" -mindepth 1 -delete
    cp "$file" "$REDIS_DATA_DIR/dump.rdb"
    sh -c "$REDIS_LOAD" _ "$REDIS_DATA_DIR"
  else
    docker stop "${REDIS_CONTAINER:-agency-redis}" >/dev/null
    docker run --rm -i -v redis-data:/data "$HELPER_IMAGE" sh -c 'find /data -mindepth 1 -delete && cat > /data/dump.rdb && chown -R 999:1000 /data' < "$file"
    docker run --rm --user redis -v redis-data:/data --entrypoint sh "${REDIS_IMAGE:-redis:7.4.5-alpine}" -c "$REDIS_LOAD" _ /data
    docker start "${REDIS_CONTAINER:-agency-redis}" >/dev/null
  fi
}

# Each qdrant-<collection>.snapshot replaces that collection (Qdrant's snapshot upload).
restore_qdrant() {
  local dir="$1" f c
  for f in "$dir"/qdrant-*.snapshot; do
    [ -f "$f" ] || { echo "agency-restore: no qdrant-*.snapshot in $dir" >&2; exit 1; }
    c="${f##*/qdrant-}"
    c="${c%.snapshot}"
    if [ -n "${QDRANT_CURL:-}" ]; then
      qcurl POST "/collections/$c/snapshots/upload?priority=snapshot&wait=true" -F "snapshot=@$f" >/dev/null
    else
      QDRANT_FILES="$dir" qcurl POST "/collections/$c/snapshots/upload?priority=snapshot&wait=true" -F "snapshot=@/files/${f##*/}" >/dev/null
    fi
    echo "restored qdrant collection $c"
  done
}

case "${1:-}" in
  redis) restore_redis "${2:?usage: agency-restore.sh redis FILE}" ;;
  qdrant) restore_qdrant "${2:?usage: agency-restore.sh qdrant DIR}" ;;
  list) rclone_env; rclone lsf --dirs-only "$(remote)" ;;
  fetch)
    rclone_env
    dir="${3:?usage: agency-restore.sh fetch STAMP DIR}"
    rclone copy "$(remote)/${2:?usage: agency-restore.sh fetch STAMP DIR}" "$dir/sealed"
    unseal "$dir/sealed" "$dir"
    ;;
  unseal) unseal "${2:?usage: agency-restore.sh unseal SEALED DIR}" "${3:?usage: agency-restore.sh unseal SEALED DIR}" ;;
  postgres) restore_postgres "${2:?usage: agency-restore.sh postgres FILE}" ;;
  volume)
    volume="${2:?usage: agency-restore.sh volume VOLUME FILE}"
    file="${3:?usage: agency-restore.sh volume VOLUME FILE}"
    docker run --rm -i -v "$volume:/volume" "$HELPER_IMAGE" sh -c 'find /volume -mindepth 1 -delete && tar -C /volume -xzf -' < "$file"
    ;;
  *) echo "usage: agency-restore.sh list|fetch STAMP DIR|unseal SEALED DIR|postgres FILE|volume VOLUME FILE|redis FILE|qdrant DIR" >&2; exit 2 ;;
esac
