/**
 * Intake text is data. Every renderer passes it through one of these before it lands in markup.
 */

/** Escapes for HTML and XML text and attribute values alike. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;")
    // XML 1.0 forbids these code points even when escaped, so they are dropped.
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "");
}

/**
 * CommonMark lets any ASCII punctuation be backslash-escaped, so this keeps intake text from
 * opening links, HTML, headings, emphasis or table cells in a Markdown document.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/\s*\n\s*/g, " ")
    .replace(/[\\`*_[\]<>|~]/g, (c) => `\\${c}`)
    .replace(/&(?=#?\w+;)/g, "\\&")
    .replace(/^(\s*)([#>+=-]|\d+[.)])/, "$1\\$2");
}

/**
 * Mail clients turn anything URL-shaped into a link, so URLs from the intake are defanged
 * ("https://evil.example/x" → "evil[.]example/x") before they appear in an email.
 */
export function defangUrls(text: string): string {
  return text
    .replace(/\b(?:https?|ftp|javascript|data|vbscript|file|mailto|tel):(?=\S)\/*/gi, "")
    .replace(/\bwww\./gi, "www[.]")
    .replace(/\b([a-z0-9-]+)\.(?=[a-z]{2,}\b)/gi, "$1[.]");
}

/** JSON that is safe inside a <script> element (no "</script>", no "<!--", no line separators). */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** Compiled JavaScript that is safe to inline in a <script> element. */
export function inlineScript(js: string): string {
  return js.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}
