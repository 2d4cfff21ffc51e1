import { describe, expect, it } from "vitest";
import { httpFailure, thrownFailure } from "../api/api-error";
import { shouldRetry } from "./query-client";

describe("shouldRetry", () => {
  it("tries again when the server could not be reached or was busy", () => {
    expect(shouldRetry(0, thrownFailure(new TypeError("Failed to fetch")))).toBe(true);
    expect(shouldRetry(1, httpFailure(503, null))).toBe(true);
  });

  it("gives up after two more tries", () => {
    expect(shouldRetry(2, httpFailure(503, null))).toBe(false);
  });

  it("does not ask again for an answer that will not change", () => {
    for (const status of [400, 401, 403, 404, 409, 422]) expect(shouldRetry(0, httpFailure(status, null))).toBe(false);
    expect(shouldRetry(0, new Error("bug in the page"))).toBe(false);
  });
});
