#!/usr/bin/env bash
# Nightly backup of the agency's state to the S3 bucket, run by agency-backup.timer on the server
# (docs/operations.md). Reads its settings from /etc/agency/backup.env:
#   STACK, S3_ENDPOINT, S3_BUCKET, S3_REGION, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY,
#   BACKUP_PASSPHRASE, RETENTION_DAYS, and either POSTGRES_CONTAINER (the container database) or DATABASE_URL.
# PG_DUMP overrides the dump command (tests run the local pg_dump with it).
#
#   agency-backup.sh                      dump, upload, prune: what the timer runs
#   agency-backup.sh dump-postgres FILE   Postgres as gzipped SQL
#   agency-backup.sh dump-volume VOL FILE a named volume as tar.gz
#   agency-backup.sh seal DIR OUT         checksum and encrypt DIR's files into OUT (*.enc)
set -euo pipefail

# shellcheck source=agency-backup-lib.sh
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/agency-backup-lib.sh"

DUMP_FLAGS=(--no-owner --no-privileges --clean --if-exists)

# Plain SQL: psql restores it, and any later Postgres reads it.
dump_postgres() {
  local out="$1"
  if [ -n "${PG_DUMP:-}" ]; then
    $PG_DUMP "${DUMP_FLAGS[@]}" --dbname="${DATABASE_URL:?DATABASE_URL is not set}"
  elif [ -n "${POSTGRES_CONTAINER:-}" ]; then
    docker exec "$POSTGRES_CONTAINER" pg_dump -U agency -d agency "${DUMP_FLAGS[@]}"
  elif [ -n "${DATABASE_URL:-}" ]; then
    docker run --rm -e DATABASE_URL "$PG_IMAGE" sh -c 'exec pg_dump --no-owner --no-privileges --clean --if-exists --dbname="$DATABASE_URL"'
  else
    log "neither POSTGRES_CONTAINER nor DATABASE_URL is set in /etc/agency/backup.env"
    return 1
  fi | gzip -9 > "$out.partial"
  mv "$out.partial" "$out"
}

dump_volume() {
  local volume="$1" out="$2"
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
  # The queue's append-only file is flushed first so the copy is a recent, whole one.
  if [ -n "${REDIS_CONTAINER:-}" ]; then docker exec "$REDIS_CONTAINER" sh -c 'redis-cli BGREWRITEAOF >/dev/null' || true; sleep 5; fi
  for volume in $(docker volume ls -q --filter label=agency.backup=true); do
    case "$volume" in *postgres-data) continue ;; esac # dumped logically above
    log "archiving volume $volume"
    dump_volume "$volume" "$dir/volume-$volume.tar.gz"
  done
  seal "$dir" "$dir/sealed"
  rclone_env
  log "uploading to $(remote)/$stamp"
  rclone copy "$dir/sealed" "$(remote)/$stamp"
  log "removing backups older than ${RETENTION_DAYS:-14} days"
  rclone delete --min-age "${RETENTION_DAYS:-14}d" "$(remote)"
  rclone rmdirs --leave-root "$(remote)" || true
  log "done: $stamp"
}

case "${1:-all}" in
  all) backup_all ;;
  dump-postgres) dump_postgres "${2:?usage: agency-backup.sh dump-postgres FILE}" ;;
  seal) seal "${2:?usage: agency-backup.sh seal DIR OUT}" "${3:?usage: agency-backup.sh seal DIR OUT}" ;;
  dump-volume) dump_volume "${2:?usage: agency-backup.sh dump-volume VOLUME FILE}" "${3:?usage: agency-backup.sh dump-volume VOLUME FILE}" ;;
  *) echo "usage: agency-backup.sh [all|dump-postgres FILE|dump-volume VOLUME FILE|seal DIR OUT]" >&2; exit 2 ;;
esac
