import { describe, expect, it } from "vitest";
import { defangUrls, escapeMarkdown, escapeXml, inlineScript, jsonForScript } from "./escape.ts";

describe("escaping", () => {
  it("when text has markup characters, then escapeXml neutralises all of them", () => {
    expect(escapeXml(`<a href="x" onclick='y'>&</a>`)).toBe("&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
  });

  it("when text would open a link, HTML or a table cell in Markdown, then escapeMarkdown escapes it", () => {
    const out = escapeMarkdown("[click](javascript:alert(1)) <script> | cell");
    expect(out).toBe("\\[click\\](javascript:alert(1)) \\<script\\> \\| cell");
    expect(escapeMarkdown("# not a heading")).toBe("\\# not a heading");
  });

  it("when text holds URLs, then defangUrls leaves no scheme or clickable domain", () => {
    const out = defangUrls("see https://evil.example/x, javascript:alert(1) and www.evil.example");
    expect(out).not.toMatch(/https?:|javascript:|www\.|evil\.example/);
    expect(out).toContain("evil[.]example");
  });

  it("when data or code is inlined in a script element, then it cannot close the element", () => {
    expect(jsonForScript({ a: "</script><!--" })).not.toMatch(/<\/script|<!--/i);
    expect(inlineScript('var s="</script>";')).toBe('var s="<\\/script>";');
  });
});
