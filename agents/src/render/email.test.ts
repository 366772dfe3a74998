import { describe, expect, it } from "vitest";
import { CAMPAIGN_STEPS } from "../contracts.ts";
import { draftCampaign } from "../offline/campaign.ts";
import { aContext, anIntake, HOSTILE_IDEA } from "../testing/builders.ts";
import { campaignLinks, disallowedLinks, findLinks, renderEmail } from "./email.ts";
import { draftsFor } from "./render.fixtures.ts";

describe("findLinks (the link checker)", () => {
  it("when an email has links in attributes, CSS and text, then all are found", () => {
    const html = `<a href="https://ok.example/a">x</a><img src='https://evil.example/p.png'>
      <div style="background:url(https://evil.example/bg)">go to www.evil.example or javascript:alert(1) or evil.com</div>`;
    expect(findLinks(html)).toEqual(
      expect.arrayContaining([
        "https://ok.example/a",
        "https://evil.example/p.png",
        "https://evil.example/bg",
        "www.evil.example",
        "javascript:alert(1)",
        "evil.com",
      ]),
    );
  });

  it("when an attribute is entity-encoded, then the decoded URL is checked", () => {
    expect(findLinks(`<a href="&#106;avascript:alert(1)">x</a>`)).toEqual(["javascript:alert(1)"]);
  });

  it("when only allowed links are present, then nothing is disallowed", () => {
    const allowed = ["http://localhost:5001/portal/projects/p"];
    expect(disallowedLinks(`<a href="${allowed[0]}">x</a> ${allowed[0]}`, allowed)).toEqual([]);
    expect(disallowedLinks(`<a href="${allowed[0]}/../../admin">x</a>`, allowed)).toHaveLength(1);
  });
});

describe("campaignLinks", () => {
  it("when the context is valid, then links point at the project's portal pages, booking and unsubscribe", () => {
    expect(campaignLinks(aContext({ portalUrl: "https://agency.example.com/", projectId: "p 1" }))).toEqual({
      project: "https://agency.example.com/portal/projects/p%201",
      prototype: "https://agency.example.com/portal/projects/p%201/prototype",
      calendar: "https://cal.example.com/agency/intro",
      unsubscribe: "https://agency.example.com/unsubscribe?project=p%201",
    });
  });

  it("when the context carries a signed unsubscribe token, then the unsubscribe link carries it instead of the project id", () => {
    const links = campaignLinks(aContext({ projectId: "p1", unsubscribeToken: "lead-1.abc_DEF-123" }));
    expect(links.unsubscribe).toBe("http://localhost:5001/unsubscribe?token=lead-1.abc_DEF-123");
  });

  it("when a base URL is not http(s), then the error names the field", () => {
    expect(() => campaignLinks(aContext({ portalUrl: "javascript:alert(1)" }))).toThrow(/context\.portalUrl/);
    expect(() => campaignLinks(aContext({ calendarUrl: "not a url" }))).toThrow(/context\.calendarUrl/);
  });
});

describe("renderEmail", () => {
  const hostileIntakes = [
    anIntake({ idea: HOSTILE_IDEA, sector: "fintech", name: "<script>alert(1)</script>" }),
    anIntake({ idea: "Visit https://evil.example to book walkers for dog owners and pay in-app", name: "javascript:alert(1)" }),
    anIntake({ company: "evil.example", name: 'Eve" onmouseover="alert(1)', idea: "A shop for www.evil.example fans to buy posters and track orders." }),
  ];

  it.each(hostileIntakes.map((intake, i) => [i, intake] as const))(
    "when the intake is hostile (#%i), then every email holds only the allowed links and no markup from it",
    (_i, intake) => {
      const { brief, prd, explainer } = draftsFor(intake);
      const links = campaignLinks(aContext());
      const copy = draftCampaign(brief, prd, explainer, intake.name);
      for (const c of copy.emails) {
        const email = renderEmail(c, links, true);
        expect(disallowedLinks(email.html, Object.values(links)), `${c.step} html`).toEqual([]);
        expect(disallowedLinks(email.text, Object.values(links)), `${c.step} text`).toEqual([]);
        expect(disallowedLinks(email.subject + email.preheader, Object.values(links))).toEqual([]);
        // Escaped text such as `onmouseover=&quot;` is inert; a live handler needs a raw quote.
        expect(email.html).not.toMatch(/<script|\son\w+\s*=\s*["']|javascript:/i);
        expect(email.html).not.toMatch(/<img|<link|@import/i);
      }
    },
  );

  it("when rendered, then there are three emails in campaign order with a CTA and an unsubscribe link", () => {
    const { brief, prd, explainer } = draftsFor(anIntake());
    const links = campaignLinks(aContext());
    const emails = draftCampaign(brief, prd, explainer, "Ana").emails.map((c) => renderEmail(c, links, true));
    expect(emails.map((e) => e.step)).toEqual([...CAMPAIGN_STEPS]);
    expect(emails[1]?.html).toContain(`href="${links.prototype}"`);
    expect(emails[2]?.html).toContain(`href="${links.calendar}"`);
    for (const e of emails) {
      expect(e.html).toContain(`href="${links.unsubscribe}"`);
      expect(e.text).toContain(links.unsubscribe);
      expect(e.html).toMatch(/Offline draft/);
      expect(e.html).not.toMatch(/<style|class=/);
    }
  });
});
