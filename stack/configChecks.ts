/** Checks of single values, each returning why a value is wrong (or undefined), for parseConfig. */

export function isCidr(value: string): boolean {
  const [ip, bits, ...rest] = value.split("/");
  if (rest.length || ip === undefined || bits === undefined || !/^\d{1,3}$/.test(bits)) return false;
  if (ip.includes(":")) return Number(bits) <= 128 && /^[0-9a-f:]+$/i.test(ip);
  const parts = ip.split(".");
  return (
    parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255) && Number(bits) <= 32
  );
}

/** Why `value` is not an https S3 endpoint (scheme and host, nothing else), or undefined. */
export function endpointProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "is not a URL (like https://fsn1.your-objectstorage.com)";
  }
  if (url.protocol !== "https:") return "must use https://";
  if (url.username || url.password)
    return "must not hold credentials (they are the s3AccessKeyId/s3SecretAccessKey secrets)";
  if (url.pathname !== "/" || url.search || url.hash || value.trim() !== value)
    return "must be only scheme and host (the bucket is s3Bucket)";
  if (!/^[a-z0-9.-]+(:\d+)?$/i.test(url.host)) return "has a host name S3 clients cannot use";
  return undefined;
}

/** Why `name` breaks the S3 bucket naming rules, or undefined. */
export function bucketProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return "must be 3 to 63 characters long";
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name))
    return "may hold only lower-case letters, digits, dots and dashes, and must start and end with a letter or digit";
  if (name.includes("..") || name.includes(".-") || name.includes("-."))
    return "must not have a dot next to a dot or dash";
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return "must not look like an IP address";
  return undefined;
}

/**
 * Why an external DATABASE_URL would go over the network in the clear, or undefined: it must ask
 * for TLS (sslmode require, verify-ca or verify-full), since worker servers and the main server
 * reach it over the internet.
 */
export function databaseUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "agency:databaseUrl is not a URL (postgres://user:password@host:5432/db?sslmode=require)";
  }
  const mode = parsed.searchParams.get("sslmode");
  if (!mode || !["require", "verify-ca", "verify-full"].includes(mode))
    return `agency:databaseUrl must require TLS: add ?sslmode=require (or verify-full) and set it again with pulumi config set --secret agency:databaseUrl '<url>'${mode ? ` (it has sslmode=${mode})` : ""}`;
  return undefined;
}
