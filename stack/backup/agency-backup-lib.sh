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
CURL_IMAGE="${CURL_IMAGE:-curlimages/curl:8.11.1}"

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

# The pg_dump (or psql) whose major version is the server's, from the folders in PG_BINDIRS.
pg_tool() {
  local tool="$1" dir server mine found=()
  server="$(psql_any -Atc 'show server_version_num' --dbname="${DATABASE_URL:?}")"
  server=$((server / 10000))
  IFS=: read -r -a dirs <<< "${PG_BINDIRS:?}"
  for dir in "${dirs[@]}"; do
    [ -x "$dir/$tool" ] || continue
    mine="$("$dir/$tool" --version | sed -n 's/.* \([0-9][0-9]*\)\.[0-9].*/\1/p' | head -n 1)"
    found+=("$mine")
    [ "$mine" = "$server" ] && { echo "$dir/$tool"; return 0; }
  done
  log "no $tool for Postgres $server in PG_BINDIRS (found: ${found[*]:-none})"
  return 1
}

# Any psql can ask the server its version.
psql_any() {
  local dir
  IFS=: read -r -a dirs <<< "${PG_BINDIRS:?}"
  for dir in "${dirs[@]}"; do [ -x "$dir/psql" ] && { "$dir/psql" "$@"; return; }; done
  psql "$@"
}

# Qdrant's HTTP API with the API key: locally with QDRANT_CURL (tests), else from a throwaway curl
# container on the backend network, where Qdrant is.
qcurl() {
  local method="$1" path="$2"
  shift 2
  local url="${QDRANT_URL:-http://qdrant:6333}$path"
  if [ -n "${QDRANT_CURL:-}" ]; then
    $QDRANT_CURL -fsS -X "$method" -H "api-key: ${QDRANT_API_KEY:?}" "$@" "$url"
  else
    docker run --rm -i --network "${QDRANT_NETWORK:-backend}" -v "${QDRANT_FILES:-/var/backups/agency}:/files" \
      "$CURL_IMAGE" -fsS -X "$method" -H "api-key: ${QDRANT_API_KEY:?}" "$@" "$url"
  fi
}

# Reads JSON on stdin and prints field FIELD of each object at EXPR (or of the object itself).
json_get() {
  python3 -c 'import json,sys
r=json.load(sys.stdin); v=eval(sys.argv[1]); f=sys.argv[2]
for x in (v if isinstance(v, list) else [v]): print(x[f])' "$1" "$2"
}
