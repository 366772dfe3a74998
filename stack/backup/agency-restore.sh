#!/usr/bin/env bash
# Restores what agency-backup.sh saved (docs/operations.md walks through a full restore).
#   agency-restore.sh list                  the backups in the bucket
#   agency-restore.sh fetch STAMP DIR       download one backup, decrypt it into DIR, check SHA256SUMS
#   agency-restore.sh unseal SEALED DIR     decrypt already downloaded *.enc files into DIR and check them
#   agency-restore.sh postgres FILE         load a postgres.sql.gz (replaces the tables it holds)
#   agency-restore.sh volume VOLUME FILE    replace a volume's content (stop its container first)
# Settings as for agency-backup.sh; PSQL overrides the psql command (tests use the local one).
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
  if [ -n "${PSQL:-}" ]; then
    gunzip -c "$file" | $PSQL -v ON_ERROR_STOP=1 --quiet --dbname="${DATABASE_URL:?DATABASE_URL is not set}"
  elif [ -n "${POSTGRES_CONTAINER:-}" ]; then
    gunzip -c "$file" | docker exec -i "$POSTGRES_CONTAINER" psql -v ON_ERROR_STOP=1 --quiet -U agency -d agency
  else
    gunzip -c "$file" | docker run --rm -i -e DATABASE_URL "$PG_IMAGE" sh -c 'exec psql -v ON_ERROR_STOP=1 --quiet --dbname="$DATABASE_URL"'
  fi
}

case "${1:-}" in
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
  *) echo "usage: agency-restore.sh list|fetch STAMP DIR|unseal SEALED DIR|postgres FILE|volume VOLUME FILE" >&2; exit 2 ;;
esac
