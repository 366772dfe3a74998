# Shared by agency-backup.sh and agency-restore.sh (sourced, not run): settings, logging and the
# bucket both talk to. Settings come from /etc/agency/backup.env, written by the stack with every
# value shell-quoted; AGENCY_BACKUP_NO_ENV=1 skips it (tests set the variables themselves).

if [ -z "${AGENCY_BACKUP_NO_ENV:-}" ] && [ -r /etc/agency/backup.env ]; then
  set -a
  # shellcheck disable=SC1091
  . /etc/agency/backup.env
  set +a
fi

HELPER_IMAGE="${HELPER_IMAGE:-alpine:3.22}"
PG_IMAGE="${PG_IMAGE:-postgres:17.6-alpine}"

log() { printf '%s %s: %s\n' "$(date -u +%FT%TZ)" "${0##*/}" "$*" >&2; }

remote() { printf ':s3:%s/backups/%s' "${S3_BUCKET:?}" "${STACK:?}"; }

# rclone reads the S3 remote from the environment, so no config file holds the keys.
rclone_env() {
  export RCLONE_S3_PROVIDER=Other RCLONE_S3_ENV_AUTH=false
  export RCLONE_S3_ENDPOINT="${S3_ENDPOINT:?}" RCLONE_S3_REGION="${S3_REGION:-eu-central}"
  export RCLONE_S3_ACCESS_KEY_ID="${S3_ACCESS_KEY_ID:?}" RCLONE_S3_SECRET_ACCESS_KEY="${S3_SECRET_ACCESS_KEY:?}"
}

# Backups leave the server encrypted (AES-256, key stretched with PBKDF2 from BACKUP_PASSPHRASE);
# openssl is on every Debian/Ubuntu server. The checksums are made of the plain files and
# encrypted with them, so a restore checks what it decrypted.
crypt() {
  : "${BACKUP_PASSPHRASE:?BACKUP_PASSPHRASE is not set (pulumi config set --secret agency:backupPassphrase)}"
  openssl enc "$@" -aes-256-cbc -pbkdf2 -iter 600000 -md sha256 -pass env:BACKUP_PASSPHRASE
}
