import { describe, expect, it } from "vitest";
import { bundleFile, checkAdoptForm, checkReplaceForm, type NodeBundle } from "./adoption-form";

describe("checkAdoptForm", () => {
  it("wants a name of at most 64 characters", () => {
    expect(checkAdoptForm("  ")).toEqual({ name: "is required" });
    expect(checkAdoptForm("x".repeat(65))).toEqual({ name: "must be at most 64 characters" });
    expect(checkAdoptForm("Greenhouse 2")).toEqual({});
  });
});

describe("checkReplaceForm", () => {
  it("wants a MAC address", () => {
    expect(checkReplaceForm("")).toEqual({ mac: "is required" });
    expect(checkReplaceForm("b8:27:eb:12:34")).toHaveProperty("mac");
    expect(checkReplaceForm(" B8:27:EB:12:34:56 ")).toEqual({});
  });
});

describe("bundleFile", () => {
  it("names the file after the node and pretty-prints the JSON", () => {
    const bundle: NodeBundle = {
      version: 2,
      node: { name: "Pump house", heartbeat_interval_s: 15 },
      sensors: [],
      outputs: [],
      schedules: [],
    };
    const file = bundleFile(bundle);
    expect(file.name).toBe("pump-house-bundle-v2.json");
    expect(file.text).toContain('\n  "version": 2,');
    expect(JSON.parse(file.text)).toEqual(bundle);
  });
});
