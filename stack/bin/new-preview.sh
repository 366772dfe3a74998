#!/usr/bin/env bash
# Creates the preview stack NAME (pr-12) with production's plain settings and none of its
# secrets: fresh random keys and passwords are generated here, the bucket is the preview's own
# (BUCKET, default <prod bucket>-NAME), and what cannot be invented (API keys, bucket keys) is
# listed at the end. Run from the repository root; docs/stack.md, "Preview stacks".
set -euo pipefail
name="${1:?usage: stack/bin/new-preview.sh pr-12 [BUCKET]}"
prod_bucket="$(pulumi config get -s prod agency:s3Bucket)"
bucket="${2:-$prod_bucket-$name}"
[ "$bucket" != "$prod_bucket" ] || { echo "new-preview: the preview needs its own bucket, not $prod_bucket" >&2; exit 2; }

pulumi stack init "$name"
# Plain agency settings, arrays element by element; secrets and the buckets are left behind.
pulumi config -s prod --json | node -e '
  const cfg = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const skip = new Set(["agency:s3Bucket", "agency:backupS3Bucket", "agency:backupS3Endpoint", "agency:protect", "agency:preview"]);
  for (const [key, entry] of Object.entries(cfg)) {
    if (entry.secret || !key.startsWith("agency:") || skip.has(key)) continue;
    const value = entry.objectValue ?? entry.value;
    const pairs = Array.isArray(value) ? value.map((v, i) => [`${key}[${i}]`, String(v)]) : [[key, String(value)]];
    for (const [k, v] of pairs) process.stdout.write(`${k}\0${v}\0`);
  }' | while IFS= read -r -d '' key && IFS= read -r -d '' value; do
  pulumi config set -s "$name" --path "$key" -- "$value"
done
pulumi config set -s "$name" agency:preview "$name"
pulumi config set -s "$name" agency:s3Bucket "$bucket"

for secret in secretKey agencyAdminToken redisPassword postgresPassword n8nEncryptionKey qdrantApiKey cmsWebhookSecret backupPassphrase grafanaAdminPassword; do
  pulumi config set -s "$name" --secret "agency:$secret" "$(openssl rand -hex 32)"
done

cat <<EOT
$name is created with fresh secrets and the bucket $bucket (create it first).
Still to set (docs/stack.md says how), none of them production's:
  pulumi config set -s $name --secret hcloud:token <token of a preview Hetzner project>
  pulumi config set -s $name --secret cloudflare:apiToken <token>
  pulumi config set -s $name --secret agency:s3AccessKeyId <key for $bucket only>
  pulumi config set -s $name --secret agency:s3SecretAccessKey <secret>
  pulumi config set -s $name --secret agency:openaiApiKey / anthropicApiKey / resendApiKey <values>
  pulumi config set -s $name --secret agency:agencyOperators <name:scrypt\$…>
  pulumi config set -s $name --secret agency:automationsPasswordHash "\$(caddy hash-password)"
Then: pulumi up -s $name --yes
EOT
