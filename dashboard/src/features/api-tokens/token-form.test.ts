import { describe, expect, it } from "vitest";
import { checkTokenForm, endOfDay, toApiTokenCreate, tokenStatus } from "./token-form";

const now = new Date(2026, 2, 1, 12, 0).getTime();

describe("checkTokenForm", () => {
  const mine = ["nodes.view", "outputs.command"] as const;

  it("accepts a named token with some of my permissions", () => {
    expect(checkTokenForm({ name: "grafana", capabilities: ["nodes.view"], expiresOn: "" }, mine, now)).toEqual({});
  });

  it("needs a name and at least one permission", () => {
    expect(checkTokenForm({ name: " ", capabilities: [], expiresOn: "" }, mine, now)).toEqual({
      name: "is required",
      capabilities: "choose at least one permission",
    });
  });

  it("refuses a permission I do not have", () => {
    const problems = checkTokenForm({ name: "x", capabilities: ["users.manage"], expiresOn: "" }, mine, now);
    expect(problems.capabilities).toBe("a token can only carry permissions you have yourself");
  });

  it("lets a token expire today at the end of the day, but not yesterday", () => {
    expect(checkTokenForm({ name: "x", capabilities: ["nodes.view"], expiresOn: "2026-03-01" }, mine, now)).toEqual({});
    expect(
      checkTokenForm({ name: "x", capabilities: ["nodes.view"], expiresOn: "2026-02-28" }, mine, now).expires_at,
    ).toBe("must be in the future");
  });
});

describe("endOfDay", () => {
  it("is the last millisecond of that day here", () => {
    expect(endOfDay("2026-03-31")?.getTime()).toBe(new Date(2026, 2, 31, 23, 59, 59, 999).getTime());
  });

  it("rejects days that do not exist and other text", () => {
    expect(endOfDay("2026-02-31")).toBeNull();
    expect(endOfDay("31/03/2026")).toBeNull();
  });
});

describe("toApiTokenCreate", () => {
  it("sends sorted permissions and the expiry as an instant, or null", () => {
    const body = toApiTokenCreate({ name: " ci ", capabilities: ["outputs.command", "nodes.view"], expiresOn: "" });
    expect(body).toEqual({ name: "ci", capabilities: ["nodes.view", "outputs.command"], expires_at: null });
    const expiring = toApiTokenCreate({ name: "ci", capabilities: ["nodes.view"], expiresOn: "2026-03-31" });
    expect(expiring.expires_at).toBe(new Date(2026, 2, 31, 23, 59, 59, 999).toISOString());
  });
});

describe("tokenStatus", () => {
  it("is revoked, expired or active", () => {
    expect(tokenStatus({ revoked_at: "2026-02-01T00:00:00.000Z", expires_at: null }, now)).toBe("revoked");
    expect(tokenStatus({ revoked_at: null, expires_at: "2026-02-01T00:00:00.000Z" }, now)).toBe("expired");
    expect(tokenStatus({ revoked_at: null, expires_at: null }, now)).toBe("active");
  });
});
