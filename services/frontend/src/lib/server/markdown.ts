/**
 * Markdown artifacts (PRD, market map, OKRs) rendered into the portal's own pages. The pipeline
 * writes them from what a visitor typed, so raw HTML is shown as text and links may only point
 * to http(s), mailto or this site: nothing in an artifact can run in the portal's origin.
 */
import { Marked, type Tokens } from "marked";

const escapeHtml = (s: string) =>
  s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");

const SAFE_HREF = /^(https?:|mailto:|\/(?!\/)|#)/i;

const marked = new Marked({
  gfm: true,
  async: false,
  renderer: {
    html: ({ text }: Tokens.HTML | Tokens.Tag) => escapeHtml(text),
    link({ href, title, tokens }: Tokens.Link) {
      const label = this.parser.parseInline(tokens);
      if (!SAFE_HREF.test(href)) return label;
      const external = /^https?:/i.test(href);
      return `<a href="${escapeHtml(href)}"${title ? ` title="${escapeHtml(title)}"` : ""}${
        external ? ' rel="noopener noreferrer nofollow" target="_blank"' : ""
      }>${label}</a>`;
    },
    // Images would load from anywhere; the text says what they were.
    image: ({ text }: Tokens.Image) => escapeHtml(text),
  },
});

export function renderMarkdown(source: string): string {
  return marked.parse(source) as string;
}
