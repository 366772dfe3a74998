import { describe, expect, it } from "vitest";
import { renderMarkdown } from "./markdown.ts";

describe("markdown artifacts", () => {
  it("when an artifact holds markdown, then headings, lists and tables render", () => {
    const html = renderMarkdown("# PRD\n\n- one\n- two\n\n| a | b |\n| - | - |\n| 1 | 2 |\n");
    expect(html).toContain("<h1>PRD</h1>");
    expect(html).toContain("<li>one</li>");
    expect(html).toContain("<td>1</td>");
  });

  it("when an artifact holds raw HTML or script links, then nothing of it can run", () => {
    const html = renderMarkdown(
      "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[click](javascript:alert(1)) ![x](https://evil.example/p.png) [ok](https://example.com)",
    );
    expect(html).not.toMatch(/<(script|img)\b/i);
    expect(html).not.toContain("javascript:");
    expect(html).toContain("&lt;script&gt;");
    expect(html).toContain(
      '<a href="https://example.com" rel="noopener noreferrer nofollow" target="_blank">ok</a>',
    );
  });
});
