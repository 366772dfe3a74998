#!/usr/bin/env bash
# Removes the preview stack NAME (pr-12): empties its bucket (S3_ACCESS_KEY_ID and
# S3_SECRET_ACCESS_KEY: the preview's bucket keys), destroys its resources and removes the stack.
# Refuses production's bucket. Run from the repository root; the preview-stack workflow runs it on close.
set -euo pipefail
name="${1:?usage: stack/bin/destroy-preview.sh pr-12}"
[[ "$name" =~ ^pr-[0-9]+$ ]] || { echo "destroy-preview: $name is not a preview stack (pr-N)" >&2; exit 2; }
bucket="$(pulumi config get -s "$name" agency:s3Bucket)"
endpoint="$(pulumi config get -s "$name" agency:s3Endpoint)"
prod_bucket="$(pulumi config get -s prod agency:s3Bucket 2>/dev/null || true)"
[ "$bucket" != "$prod_bucket" ] || { echo "destroy-preview: $bucket is production's bucket; not emptying it" >&2; exit 2; }

export RCLONE_S3_PROVIDER=Other RCLONE_S3_ENV_AUTH=false RCLONE_S3_ENDPOINT="$endpoint"
export RCLONE_S3_ACCESS_KEY_ID="${S3_ACCESS_KEY_ID:?}" RCLONE_S3_SECRET_ACCESS_KEY="${S3_SECRET_ACCESS_KEY:?}"
echo "emptying s3://$bucket"
rclone delete ":s3:$bucket"
rclone rmdirs --leave-root ":s3:$bucket" || true

pulumi destroy -s "$name" --yes --skip-preview
pulumi stack rm -s "$name" --yes
