import { describe, expect, it } from "vitest";
import { splitSentences } from "@roboagency/agents";
import {
  PLATFORM_RULES,
  adaptPiece,
  extractKeywords,
  hashtag,
  summarise,
  truncate,
  type Platform,
} from "./content-adaptation.ts";
import { parsePublishEvent } from "./content-parsing.ts";
import { unsubscribeToken, verifyUnsubscribeToken } from "./subscriptions.ts";

const ARTICLE = `---
title: "Waitlists that refill cancelled clinic slots"
description: Small clinics lose revenue to no-shows.
tags: [healthcare, scheduling]
date: 2026-11-20
---
import Chart from "../components/Chart.tsx";

# Why empty slots hurt

Small clinics lose up to a fifth of their appointments to cancellations and no-shows. Every empty slot
is revenue that never comes back, and patients on the waitlist wait longer than they need to.

<Chart data={series} />

## How the waitlist fills them

When a patient cancels, the assistant texts the next people on the waitlist and books the first who
answers. Clinics in our pilot refilled most cancelled slots within an hour. The waitlist also learns
which patients answer quickly, so the clinic's reception spends less time on the phone.

\`\`\`ts
const ignored = "code is not prose";
\`\`\`

Read the [pilot report](https://example.com/report) for the numbers. We thank the clinics.
`;

const mdxEvent = (overrides: Record<string, unknown> = {}) => ({
  source: "mdx",
  slug: "waitlists",
  url: "https://agency.example/blog/waitlists",
  content: ARTICLE,
  ...overrides,
});

describe("content: parsing publish events", () => {
  it("when an MDX file is published, then frontmatter, text and tags are read and markup is gone", () => {
    const piece = parsePublishEvent(mdxEvent());
    expect(piece).toMatchObject({
      source: "mdx",
      externalId: "waitlists",
      title: "Waitlists that refill cancelled clinic slots",
      tags: ["healthcare", "scheduling"],
      publishedAt: new Date("2026-11-20"),
    });
    expect(piece.text).toContain("Why empty slots hurt.");
    expect(piece.text).toContain("Read the pilot report for the numbers.");
    for (const gone of ["import", "<Chart", "code is not prose", "https://example.com/report", "#"]) {
      expect(piece.text).not.toContain(gone);
    }
  });

  it("when the front matter uses YAML blocks, then folded text and block lists are read as YAML means them", () => {
    const content = [
      "---",
      "title: 'Slots: refilled'",
      "slug: 2026",
      "description: >",
      "  Small clinics lose revenue",
      "  to no-shows.",
      "tags:",
      "  - healthcare",
      "  - scheduling # the product's area",
      "---",
      "Clinics refill cancelled slots from a waitlist within an hour of the cancellation.",
    ].join("\n");
    const piece = parsePublishEvent(mdxEvent({ content, slug: undefined }));
    expect(piece.title).toBe("Slots: refilled");
    expect(piece.externalId).toBe("2026");
    expect(piece.description).toBe("Small clinics lose revenue to no-shows.");
    expect(piece.tags).toEqual(["healthcare", "scheduling"]);
    expect(piece.text).not.toContain("no-shows");
  });

  it("when the front matter is not valid YAML, then the 422 names the content", () => {
    const content = "---\ntitle: [unclosed\n---\nSome text for the piece.";
    expect(() => parsePublishEvent(mdxEvent({ content }))).toThrow(
      expect.objectContaining({
        status: 422,
        fields: expect.arrayContaining([
          expect.objectContaining({ field: "content", message: expect.stringContaining("YAML") }),
        ]),
      }),
    );
  });

  it("when a Wagtail page is published, then its StreamField text is read and images are skipped", () => {
    const piece = parsePublishEvent({
      source: "wagtail",
      page: {
        id: 42,
        title: "Launch week",
        meta: { html_url: "https://agency.example/news/launch", first_published_at: "2026-11-28T09:00:00Z" },
        body: [
          { type: "heading", value: "What we shipped" },
          { type: "paragraph", value: "<p>We shipped the <b>portal</b> &amp; the ops console.</p>" },
          { type: "image", value: "https://cdn.example/x.png" },
        ],
        tags: [{ name: "launch" }],
      },
    });
    expect(piece).toMatchObject({
      source: "wagtail",
      externalId: "42",
      title: "Launch week",
      tags: ["launch"],
    });
    expect(piece.text).toBe("What we shipped.\n\nWe shipped the portal & the ops console.");
  });

  it("when fields are missing or wrong, then the 422 names each of them", () => {
    expect(() =>
      parsePublishEvent(mdxEvent({ slug: "", url: "ftp://x", content: "no frontmatter here" })),
    ).toThrow(
      expect.objectContaining({
        status: 422,
        fields: expect.arrayContaining([
          expect.objectContaining({ field: "slug" }),
          expect.objectContaining({ field: "frontmatter.title" }),
          expect.objectContaining({ field: "url" }),
        ]),
      }),
    );
    expect(() => parsePublishEvent({ hello: 1 })).toThrow(
      expect.objectContaining({ fields: [expect.objectContaining({ field: "source" })] }),
    );
  });
});

describe("content: summary, keywords and hashtags", () => {
  it("when a piece is summarised, then the sentences carrying its main terms win and keep their order", () => {
    const piece = parsePublishEvent(mdxEvent());
    const summary = summarise(piece.text, piece.title, 2);
    const sentences = splitSentences(summary);
    expect(sentences).toHaveLength(2);
    expect(summary).not.toContain("We thank the clinics");
    expect(summary).toMatch(/waitlist|cancel/i);
    const order = sentences.map((s) => piece.text.indexOf(s));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it("when keywords are drawn, then the author's tags come first and title terms rank high", () => {
    const piece = parsePublishEvent(mdxEvent());
    const keywords = extractKeywords(piece.title, piece.text, piece.tags);
    expect(keywords.slice(0, 2)).toEqual(["healthcare", "scheduling"]);
    expect(keywords).toEqual(expect.arrayContaining(["waitlist", "clinic"]));
    expect(keywords.length).toBeLessThanOrEqual(6);
  });

  it("when keywords become hashtags, then they are PascalCase and digits-only ones are dropped", () => {
    expect(hashtag("machine learning")).toBe("#MachineLearning");
    expect(hashtag("no-show")).toBe("#NoShow");
    expect(hashtag("2026")).toBeUndefined();
  });

  it("when text is truncated, then it ends at a word with an ellipsis and fits", () => {
    expect(truncate("one two three four", 12)).toBe("one two…");
    expect([...truncate("x".repeat(50), 10)].length).toBe(10);
  });
});

describe("content: per-platform posts", () => {
  const long = parsePublishEvent(
    mdxEvent({
      content: ARTICLE.replace(
        'title: "Waitlists that refill cancelled clinic slots"',
        `title: "${"A very long title about waitlists and clinics <and> more ".repeat(4)}"`,
      ),
    }),
  );

  it("when a piece is adapted, then every post is within its platform's limits", () => {
    const { posts } = adaptPiece(long, { start: new Date("2026-12-01T09:00:00Z") });
    expect(posts.map((p) => p.platform)).toEqual(["x", "linkedin", "instagram", "youtube"]);
    for (const p of posts) {
      const rules = PLATFORM_RULES[p.platform as Platform];
      const counted =
        p.platform === "x" ? [...p.text.replace(p.link!, "")].length + rules.linkChars! : [...p.text].length;
      expect(counted, p.platform).toBeLessThanOrEqual(rules.maxChars);
      expect(p.hashtags.length).toBeLessThanOrEqual(rules.maxHashtags);
    }
    const x = posts.find((p) => p.platform === "x")!;
    expect(x.text).toContain(long.url);
    const yt = posts.find((p) => p.platform === "youtube")!;
    expect([...yt.title!].length).toBeLessThanOrEqual(100);
    expect(yt.title! + yt.text).not.toMatch(/[<>]/);
    expect(posts.find((p) => p.platform === "instagram")!.text).toContain("Link in bio.");
    expect(posts.find((p) => p.platform === "linkedin")!.text).toContain(`Read more: ${long.url}`);
  });

  it("when the same piece is adapted twice at the same start, then the posts are identical and staggered", () => {
    const start = new Date("2026-12-01T09:00:00Z");
    const a = adaptPiece(long, { start });
    expect(adaptPiece(long, { start })).toEqual(a);
    expect(a.posts.map((p) => (p.scheduledAt.getTime() - start.getTime()) / 60_000)).toEqual([
      0, 60, 180, 360,
    ]);
  });
});

describe("content: unsubscribe tokens", () => {
  const lead = "5d6a2c1e-6b5f-4c39-8a1e-0f3c2b7d9e11";
  it("when a token is signed, then it verifies with the same secret only and resists tampering", () => {
    const token = unsubscribeToken("a-secret-of-enough-length", lead);
    expect(verifyUnsubscribeToken("a-secret-of-enough-length", token)).toBe(lead);
    expect(verifyUnsubscribeToken("another-secret-entirely", token)).toBeNull();
    const other = "5d6a2c1e-6b5f-4c39-8a1e-0f3c2b7d9e12";
    expect(verifyUnsubscribeToken("a-secret-of-enough-length", `${other}.${token.split(".")[1]}`)).toBeNull();
    expect(verifyUnsubscribeToken("a-secret-of-enough-length", "garbage")).toBeNull();
  });
});
