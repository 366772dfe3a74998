import { describe, expect, it } from "vitest";
import { ApiError, ApiUnavailable } from "./api.ts";
import { formFailure } from "./failures.ts";

const values = { email: "ada@example.com", idea: "kept as typed" };
const FIELDS = ["email", "idea"] as const;

describe("API errors on a form", () => {
  it("when the API names bad fields, then each message goes next to its field and the values stay", () => {
    const err = new ApiError(422, "invalid_request", "Invalid intake: idea is too short.", [
      { field: "idea", message: "must be at least 20 characters" },
    ]);
    expect(formFailure(err, values, FIELDS)).toMatchObject({
      status: 422,
      data: { values, errors: { idea: "must be at least 20 characters" }, message: undefined },
    });
  });

  it("when the API names a field the form does not have, then its whole message is shown", () => {
    const err = new ApiError(422, "idempotency_key_reused", "This key was already used.", [
      { field: "Idempotency-Key", message: "was already used" },
    ]);
    expect(formFailure(err, values, FIELDS).data).toMatchObject({
      errors: {},
      message: "This key was already used.",
    });
  });

  it("when the API rate limits, then the message says when to try again", () => {
    const err = new ApiError(429, "rate_limited", "Too many sign-in links.", [], "600");
    expect(formFailure(err, values, FIELDS)).toMatchObject({
      status: 429,
      data: { values, message: "Too many sign-in links. Try again in about 10 minute(s)." },
    });
  });

  it("when the API is down or fails, then a clear message keeps what was typed", () => {
    for (const err of [
      new ApiUnavailable("connect ECONNREFUSED"),
      new ApiError(500, "internal_error", "boom"),
    ]) {
      const failure = formFailure(err, values, FIELDS);
      expect(failure.status).toBe(503);
      expect(failure.data).toMatchObject({
        values,
        message: expect.stringContaining("Nothing you typed is lost"),
      });
    }
  });

  it("when the error is not the API's, then it is not hidden", () => {
    expect(() => formFailure(new TypeError("bug"), values, FIELDS)).toThrow("bug");
  });
});
