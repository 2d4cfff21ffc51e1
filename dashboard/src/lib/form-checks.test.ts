import { describe, expect, it } from "vitest";
import { keyProblem, nameProblem, rangeProblem, wholeNumber } from "./form-checks";

describe("wholeNumber", () => {
  it("reads whole numbers only", () => {
    expect(wholeNumber(" 30 ")).toBe(30);
    expect(wholeNumber("1.5")).toBeNull();
    expect(wholeNumber("-2")).toBeNull();
    expect(wholeNumber("")).toBeNull();
  });
});

describe("nameProblem", () => {
  it("wants 1 to 64 characters without control characters", () => {
    expect(nameProblem(" Fan ")).toBeNull();
    expect(nameProblem("   ")).toBe("is required");
    expect(nameProblem("x".repeat(65))).toMatch(/^must be 1 to 64/);
    expect(nameProblem("a\nb")).toMatch(/^must be 1 to 64/);
    expect(nameProblem("ü".repeat(64))).toBeNull();
  });
});

describe("keyProblem", () => {
  it("wants a-z, 0-9 and '_'", () => {
    expect(keyProblem("soil_2")).toBeNull();
    expect(keyProblem("Soil")).not.toBeNull();
    expect(keyProblem("")).not.toBeNull();
  });
});

describe("rangeProblem", () => {
  it("accepts the bounds and refuses outside them or non-numbers", () => {
    expect(rangeProblem("1", 1, 10, "days")).toBeNull();
    expect(rangeProblem("10", 1, 10, "days")).toBeNull();
    expect(rangeProblem("11", 1, 10, "days")).toBe("must be a whole number of days from 1 to 10");
    expect(rangeProblem("", 1, 10, "days")).not.toBeNull();
  });
});
