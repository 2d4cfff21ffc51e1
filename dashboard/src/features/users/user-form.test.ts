import { describe, expect, it } from "vitest";
import { checkUserForm, toUserCreate } from "./user-form";

describe("checkUserForm", () => {
  it("accepts a valid user", () => {
    expect(checkUserForm({ username: "ada.l-2", password: "0123456789", role: "operator" })).toEqual({});
  });

  it("explains a missing or malformed username and a short password", () => {
    expect(checkUserForm({ username: " ", password: "short", role: "viewer" })).toEqual({
      username: "is required",
      password: "must be at least 10 characters",
    });
    expect(checkUserForm({ username: "Ada", password: "0123456789", role: "viewer" }).username).toMatch(/^must be 3/);
    expect(checkUserForm({ username: "ab", password: "0123456789", role: "viewer" }).username).toBeDefined();
  });

  it("counts characters, not bytes, in the password", () => {
    expect(checkUserForm({ username: "ada", password: "ééééééééé", role: "viewer" }).password).toBeDefined();
    expect(checkUserForm({ username: "ada", password: "éééééééééé", role: "viewer" }).password).toBeUndefined();
  });
});

describe("toUserCreate", () => {
  it("trims the username and keeps the password as typed", () => {
    expect(toUserCreate({ username: " ada ", password: " spaced pw ", role: "admin" })).toEqual({
      username: "ada",
      password: " spaced pw ",
      role: "admin",
    });
  });
});
