import { describe, expect, it } from "vitest";
import { loginPathFor, safeNextPath } from "./next-path";

describe("safeNextPath", () => {
  it.each(["/nodes/1", "/charts?sensors=1,2&range=7d", "/commands#top"])("keeps a local path: %s", (path) => {
    expect(safeNextPath(path)).toBe(path);
  });

  it.each([
    [null],
    [""],
    ["nodes"],
    ["//evil.example/x"],
    ["/\\evil.example"],
    ["https://evil.example/"],
    ["javascript:alert(1)"],
    ["/login"],
    ["/login?next=%2Fnodes"],
    ["/no\u0000des"],
  ])("goes to the overview instead of %s", (next) => {
    expect(safeNextPath(next)).toBe("/");
  });
});

describe("loginPathFor", () => {
  it("comes back to the page, its query and its hash", () => {
    expect(loginPathFor({ pathname: "/charts", search: "?range=7d", hash: "" })).toBe(
      "/login?next=%2Fcharts%3Frange%3D7d",
    );
  });

  it("needs no `next` for the overview", () => {
    expect(loginPathFor({ pathname: "/", search: "", hash: "" })).toBe("/login");
  });
});
