import { describe, expect, it } from "vitest";
import { ApiError, httpFailure, thrownFailure } from "./api-error";
import { describeApiError } from "./describe-api-error";

describe("describeApiError", () => {
  it("uses the server's ErrorBody message, code and request id", () => {
    const error = httpFailure(503, {
      error: { code: "db_unavailable", message: "The database is not reachable", request_id: "req-42" },
    });
    expect(describeApiError(error)).toBe(
      "The database is not reachable. (HTTP 503, db_unavailable, request req-42)",
    );
  });

  it("lists field problems and does not double the full stop", () => {
    const error = httpFailure(400, {
      error: {
        code: "invalid_request",
        message: "The request is invalid.",
        details: [
          { field: "name", problem: "must not be empty" },
          { field: "zone", problem: "unknown zone" },
        ],
      },
    });
    expect(describeApiError(error)).toBe(
      "The request is invalid. name: must not be empty; zone: unknown zone. (HTTP 400, invalid_request)",
    );
  });

  it("starts the server's lower-case message with a capital", () => {
    const error = httpFailure(401, {
      error: { code: "unauthenticated", message: "invalid username or password", details: [] },
    });
    expect(describeApiError(error)).toBe("Invalid username or password. (HTTP 401, unauthenticated)");
  });

  it("does not show a body that is not an ErrorBody (e.g. a proxy's page or odd JSON)", () => {
    for (const body of ['<html><body>502 Bad Gateway</body></html>', { detail: "nope" }, undefined]) {
      const text = describeApiError(httpFailure(502, body));
      expect(text).toBe("core-server answered with an error (HTTP 502) and no explanation.");
    }
  });

  it("explains a network failure (fetch rejected with a TypeError)", () => {
    const error = thrownFailure(new TypeError("Failed to fetch"));
    expect(error).toBeInstanceOf(ApiError);
    expect(describeApiError(error)).toMatch(/^Could not reach core-server\./);
    expect(describeApiError(error)).not.toContain("Failed to fetch");
  });

  it("explains a success answer whose body is not JSON (e.g. index.html)", () => {
    const error = thrownFailure(new SyntaxError("Unexpected token '<'"));
    expect(describeApiError(error)).toMatch(/^core-server answered, but not with data this page understands\./);
  });

  it("passes cancellation through untouched", () => {
    const abort = new DOMException("The operation was aborted.", "AbortError");
    expect(thrownFailure(abort)).toBe(abort);
  });

  it("falls back to a generic sentence for anything else", () => {
    expect(describeApiError(new Error("boom"))).toBe(
      "Something went wrong in this page while talking to core-server. Reloading may help.",
    );
  });
});
