import { describe, expect, it } from "vitest";
import { node } from "../../test/fixtures";
import { checkNodeEditForm, nodeToEditForm, toNodeUpdate } from "./node-edit-form";

describe("checkNodeEditForm", () => {
  it("accepts the node's own values", () => {
    expect(checkNodeEditForm(nodeToEditForm(node()))).toEqual({});
  });

  it("wants a name and a heartbeat from 5 to 3600 seconds", () => {
    expect(checkNodeEditForm({ name: " ", heartbeat_interval_s: "4" })).toEqual({
      name: "is required",
      heartbeat_interval_s: "must be a whole number of seconds from 5 to 3600",
    });
  });
});

describe("toNodeUpdate", () => {
  it("sends only what changed", () => {
    const n = node({ name: "Greenhouse", heartbeat_interval_s: 15 });
    expect(toNodeUpdate({ name: "Greenhouse 1 ", heartbeat_interval_s: "15" }, n)).toEqual({ name: "Greenhouse 1" });
    expect(toNodeUpdate({ name: "Greenhouse", heartbeat_interval_s: "60" }, n)).toEqual({ heartbeat_interval_s: 60 });
    expect(toNodeUpdate(nodeToEditForm(n), n)).toEqual({});
  });
});
