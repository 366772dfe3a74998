#!/usr/bin/env bash
# Nightly backup of the agency's state to the S3 bucket, run by agency-backup.timer on the server
# (docs/operations.md). Reads its settings from /etc/agency/backup.env:
#   STACK, S3_ENDPOINT, S3_BUCKET, S3_REGION, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY,
#   BACKUP_PASSPHRASE, RETENTION_DAYS, and either POSTGRES_CONTAINER (the container database) or DATABASE_URL.
# PG_BINDIRS (colon-separated) makes it use local pg_dump/psql from the folder whose pg_dump is
# the server's major version; QDRANT_URL with QDRANT_CURL=curl and REDIS_CLI reach local servers
# (the tests set them; on the server the containers are reached through docker).
#
#   agency-backup.sh                      dump, upload, prune: what the timer runs
#   agency-backup.sh dump-postgres FILE   Postgres as gzipped SQL, by the pg_dump of the server's major version
#   agency-backup.sh dump-redis FILE      the queue as Redis's own RDB dump
#   agency-backup.sh dump-qdrant DIR      one snapshot per collection, through Qdrant's snapshot API
#   agency-backup.sh dump-volume VOL FILE a named volume as tar.gz, its containers paused meanwhile
#   agency-backup.sh seal DIR OUT         checksum and encrypt DIR's files into OUT (*.enc)
#   agency-backup.sh upload DIR STAMP     copy DIR's files to the bucket under STAMP
set -euo pipefail

# shellcheck source=agency-backup-lib.sh
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/agency-backup-lib.sh"

DUMP_FLAGS=(--no-owner --no-privileges --clean --if-exists)

# Plain SQL: psql restores it, and any later Postgres reads it. pg_dump refuses a server newer
# than itself, so the dump runs in the server's own container or with the server's major version.
dump_postgres() {
  local out="$1" major pg_dump=""
  [ -z "${PG_BINDIRS:-}" ] || pg_dump="$(pg_tool pg_dump)"
  if [ -n "$pg_dump" ]; then
    "$pg_dump" "${DUMP_FLAGS[@]}" --dbname="${DATABASE_URL:?DATABASE_URL is not set}"
  elif [ -n "${POSTGRES_CONTAINER:-}" ]; then
    docker exec "$POSTGRES_CONTAINER" pg_dump -U agency -d agency "${DUMP_FLAGS[@]}"
  elif [ -n "${DATABASE_URL:-}" ]; then
    major="$(docker run --rm -e DATABASE_URL "$PG_IMAGE" sh -c 'exec psql -Atc "show server_version_num" --dbname="$DATABASE_URL"')"
    major=$((major / 10000))
    log "the database runs Postgres $major; dumping with postgres:$major-alpine"
    docker run --rm -e DATABASE_URL "postgres:$major-alpine" sh -c 'exec pg_dump --no-owner --no-privileges --clean --if-exists --dbname="$DATABASE_URL"'
  else
    log "neither POSTGRES_CONTAINER nor DATABASE_URL is set in /etc/agency/backup.env"
    return 1
  fi | gzip -9 > "$out.partial"
  mv "$out.partial" "$out"
}

# Redis writes the dump itself (the replication snapshot), so it is whole and consistent.
dump_redis() {
  local out="$1"
  if [ -n "${REDIS_CLI:-}" ]; then
    $REDIS_CLI --rdb - > "$out.partial" 2>/dev/null
  else
    docker exec "${REDIS_CONTAINER:?}" redis-cli --rdb - > "$out.partial" 2>/dev/null
  fi
  [ "$(head -c 5 "$out.partial")" = REDIS ] || { log "the Redis dump is not an RDB file"; return 1; }
  mv "$out.partial" "$out"
}

# One snapshot per collection through Qdrant's API: Qdrant makes it consistent, the files stay.
dump_qdrant() {
  local dir="$1" c snap list
  mkdir -p "$dir"
  # Apart from the loop, so a refused request (a wrong key) stops the backup.
  list="$(qcurl GET /collections)"
  for c in $(printf '%s' "$list" | json_get 'r["result"]["collections"]' name); do
    snap="$(qcurl POST "/collections/$c/snapshots?wait=true")"
    snap="$(printf '%s' "$snap" | json_get 'r["result"]' name)"
    [ -n "$snap" ] || { log "qdrant made no snapshot of $c"; return 1; }
    qcurl GET "/collections/$c/snapshots/$snap" > "$dir/qdrant-$c.snapshot.partial"
    mv "$dir/qdrant-$c.snapshot.partial" "$dir/qdrant-$c.snapshot"
    qcurl DELETE "/collections/$c/snapshots/$snap" >/dev/null
    log "qdrant collection $c: $snap"
  done
}

# A volume as it is at one instant: the containers that use it are paused (frozen, not stopped:
# connections wait rather than fail) while it is read, and unpaused whatever happens.
dump_volume() {
  local volume="$1" out="$2" users
  users="$(docker ps -q --filter "volume=$volume")"
  # shellcheck disable=SC2086
  [ -z "$users" ] || docker pause $users >/dev/null
  # shellcheck disable=SC2086
  trap '[ -z "$users" ] || docker unpause $users >/dev/null' RETURN
  docker run --rm -v "$volume:/volume:ro" "$HELPER_IMAGE" tar -C /volume -czf - . > "$out.partial"
  mv "$out.partial" "$out"
}

# Checksums of DIR's files, then each file (and the checksums) encrypted into OUT as NAME.enc.
seal() {
  local dir="$1" out="$2" f
  (cd "$dir" && find . -maxdepth 1 -type f ! -name SHA256SUMS -printf '%P\0' | sort -z | xargs -0 sha256sum > SHA256SUMS)
  mkdir -p "$out"
  for f in "$dir"/*; do
    [ -f "$f" ] || continue
    crypt -e -salt -in "$f" -out "$out/${f##*/}.enc"
  done
}

backup_all() {
  local stamp dir
  stamp="$(date -u +%Y%m%dT%H%M%SZ)"
  dir="${BACKUP_DIR:-/var/backups/agency}/$stamp"
  mkdir -p "$dir"
  chmod 700 "$dir"
  trap 'rm -rf "$dir"' EXIT
  log "dumping postgres"
  dump_postgres "$dir/postgres.sql.gz"
  log "dumping redis"
  dump_redis "$dir/redis.rdb"
  log "snapshotting qdrant"
  dump_qdrant "$dir"
  for volume in $(docker volume ls -q --filter label=agency.backup=true); do
    # Dumped by their own tools above; the snapshots folder holds nothing between backups.
    case "$volume" in *postgres-data | *redis-data | *qdrant-storage | *qdrant-snapshots) continue ;; esac
    log "archiving volume $volume"
    dump_volume "$volume" "$dir/volume-$volume.tar.gz"
  done
  seal "$dir" "$dir/sealed"
  upload "$dir/sealed" "$stamp"
  log "removing backups older than ${RETENTION_DAYS:-14} days"
  rclone delete --min-age "${RETENTION_DAYS:-14}d" "$(remote)"
  rclone rmdirs --leave-root "$(remote)" || true
  log "done: $stamp"
}

upload() {
  rclone_env
  log "uploading to $(remote)/$2"
  rclone copy "$1" "$(remote)/$2"
}

case "${1:-all}" in
  all) backup_all ;;
  dump-postgres) dump_postgres "${2:?usage: agency-backup.sh dump-postgres FILE}" ;;
  dump-redis) dump_redis "${2:?usage: agency-backup.sh dump-redis FILE}" ;;
  dump-qdrant) dump_qdrant "${2:?usage: agency-backup.sh dump-qdrant DIR}" ;;
  upload) upload "${2:?usage: agency-backup.sh upload DIR STAMP}" "${3:?usage: agency-backup.sh upload DIR STAMP}" ;;
  seal) seal "${2:?usage: agency-backup.sh seal DIR OUT}" "${3:?usage: agency-backup.sh seal DIR OUT}" ;;
  dump-volume) dump_volume "${2:?usage: agency-backup.sh dump-volume VOLUME FILE}" "${3:?usage: agency-backup.sh dump-volume VOLUME FILE}" ;;
  *) echo "usage: agency-backup.sh [all|dump-postgres FILE|dump-redis FILE|dump-qdrant DIR|dump-volume VOLUME FILE|seal DIR OUT|upload DIR STAMP]" >&2; exit 2 ;;
esac
