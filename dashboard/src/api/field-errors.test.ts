import { describe, expect, it } from "vitest";
import { httpFailure, thrownFailure } from "./api-error";
import { formErrors, NO_FORM_ERRORS } from "./field-errors";

function validationFailed(details: { field: string; problem: string }[]) {
  return httpFailure(422, { error: { code: "validation_failed", message: "invalid", details } });
}

describe("formErrors", () => {
  it("has nothing to show without an error", () => {
    expect(formErrors(null, ["name"])).toBe(NO_FORM_ERRORS);
  });

  it("puts a 422's details beside the fields the form shows", () => {
    const error = validationFailed([
      { field: "sensors[0].key", problem: "must be 1 to 32 characters of a-z, 0-9 and '_'" },
      { field: "mac", problem: "must be a MAC address such as b8:27:eb:12:34:56" },
    ]);
    const result = formErrors(error, ["name", "mac", "sensors[0].key"]);
    expect(result.byField).toEqual({
      "sensors[0].key": "must be 1 to 32 characters of a-z, 0-9 and '_'",
      mac: "must be a MAC address such as b8:27:eb:12:34:56",
    });
    expect(result.summary).toBe("Please correct the fields marked below.");
  });

  it("joins two problems for one field", () => {
    const error = validationFailed([
      { field: "name", problem: "is taken" },
      { field: "name", problem: "is too long" },
    ]);
    expect(formErrors(error, ["name"]).byField).toEqual({ name: "is taken; is too long" });
  });

  it("keeps problems for fields the form does not show in the summary", () => {
    const error = validationFailed([
      { field: "name", problem: "is taken" },
      { field: "expires_at", problem: "must be in the future" },
    ]);
    const result = formErrors(error, ["name"]);
    expect(result.byField).toEqual({ name: "is taken" });
    expect(result.summary).toBe("Please correct: expires_at: must be in the future.");
  });

  it("describes any other failure in words, beside no field", () => {
    const conflict = httpFailure(409, {
      error: { code: "conflict", message: "username already taken", details: [] },
    });
    expect(formErrors(conflict, ["username"])).toEqual({
      byField: {},
      summary: "Username already taken. (HTTP 409, conflict)",
    });
    expect(formErrors(thrownFailure(new TypeError("Failed to fetch")), ["username"]).summary).toMatch(
      /^Could not reach core-server/,
    );
  });
});
