import { describe, expect, it } from "vitest";
import { describeRequester, describeTurnaround } from "./command-words";

describe("describeRequester", () => {
  it("names the person, the token's owner, or what acted by itself", () => {
    expect(describeRequester({ source: "user", requested_by: "ada" })).toBe("ada");
    expect(describeRequester({ source: "api_token", requested_by: "ada" })).toBe("ada (API token)");
    expect(describeRequester({ source: "api_token", requested_by: null })).toBe("an API token");
    expect(describeRequester({ source: "reconciliation", requested_by: null })).toMatch(/^the controller/);
  });
});

describe("describeTurnaround", () => {
  it("measures from request to the node's answer", () => {
    expect(
      describeTurnaround({ created_at: "2026-03-01T06:00:00.000Z", finished_at: "2026-03-01T06:00:01.250Z" }),
    ).toBe("1.3 s");
    expect(
      describeTurnaround({ created_at: "2026-03-01T06:00:00.000Z", finished_at: "2026-03-01T06:01:00.000Z" }),
    ).toBe("60 s");
  });

  it("has nothing to say while the command is open", () => {
    expect(describeTurnaround({ created_at: "2026-03-01T06:00:00.000Z", finished_at: null })).toBeNull();
  });
});
