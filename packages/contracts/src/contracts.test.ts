/**
 * The contracts on their own: one error format, every bad field at once, the portal token. (What
 * a publish event must hold beyond types is the orchestrator's: content-parsing.ts, content.test.ts.)
 */
import { hkdfSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  HttpError,
  intakeSchema,
  pageQuery,
  parse,
  publishRequest,
  resolvePostRequest,
  reviewRequest,
} from "./index.ts";
import { portalToken, portalTokenFrom } from "./portal-token.ts";

const fieldsOf = (schema: Parameters<typeof parse>[0], body: unknown) => {
  try {
    parse(schema, body, "request");
  } catch (err) {
    expect(err).toBeInstanceOf(HttpError);
    const e = err as HttpError;
    expect([e.status, e.code]).toEqual([422, "invalid_request"]);
    return e.fields!.map((f) => f.field);
  }
  return [];
};

describe("parse", () => {
  it("when a review has several bad fields, then the 422 names each of them, not only the first", () => {
    expect(fieldsOf(reviewRequest, { decision: "maybe", comment: 5, reviewer: "", colour: "blue" })).toEqual([
      "decision",
      "comment",
      "reviewer",
      "colour",
    ]);
    expect(fieldsOf(reviewRequest, { decision: "send_back", reviewer: " " })).toEqual([
      "reviewer",
      "comment",
    ]);
  });

  it("when a review is valid, then it is trimmed and the reviewer defaults to operator", () => {
    expect(parse(reviewRequest, { decision: "send_back", comment: "  Name the clinics. " })).toEqual({
      decision: "send_back",
      comment: "Name the clinics.",
      reviewer: "operator",
    });
  });

  it("when the body is not an object, then the field is body", () => {
    expect(fieldsOf(reviewRequest, [1])).toEqual(["body"]);
    expect(fieldsOf(intakeSchema(["saas"]), "text")).toEqual(["body"]);
  });

  it("when a publish event's fields have the wrong types, then each is named with the schedule's and the media's", () => {
    expect(
      fieldsOf(publishRequest, { content: 5, platforms: [], start_at: "soon", video_url: "http://x" }),
    ).toEqual(["content", "platforms", "start_at", "video_url"]);
    expect(
      fieldsOf(publishRequest, {
        content: "---\ntitle: Filling slots\nslug: slots\n---\nBody.",
        url: "https://blog.example.com/slots",
      }),
    ).toEqual([]);
  });

  it("when a resolution gives neither or both answers, then the field says which", () => {
    expect(fieldsOf(resolvePostRequest, {})).toEqual(["external_id"]);
    expect(fieldsOf(resolvePostRequest, { external_id: "1", requeue: true })).toEqual(["requeue"]);
    expect(fieldsOf(resolvePostRequest, { requeue: true })).toEqual([]);
  });

  it("when a page is out of bounds, then limit and offset are both named; absent, they default", () => {
    expect(fieldsOf(pageQuery, { limit: "501", offset: "-1" })).toEqual(["limit", "offset"]);
    expect(parse(pageQuery, {})).toEqual({ limit: 50, offset: 0 });
  });
});

describe("portal token", () => {
  it("when derived, then it is HKDF-SHA256 of SECRET_KEY, and AGENCY_PORTAL_TOKEN overrides it", () => {
    const expected = Buffer.from(
      hkdfSync("sha256", "a-secret", "", "roboagency portal api token v1", 32),
    ).toString("base64url");
    expect(portalTokenFrom("a-secret")).toBe(expected);
    expect(portalTokenFrom("another")).not.toBe(expected);
    expect(portalToken(undefined, "a-secret")).toBe(expected);
    expect(portalToken("given", "a-secret")).toBe("given");
  });
});
