import { describe, expect, it } from "vitest";
import { output } from "../../test/fixtures";
import { checkOutputForm, emptyOutputForm, outputToForm, toOutputDeclaration, toOutputUpdate } from "./output-form";

describe("checkOutputForm", () => {
  it("finds nothing wrong with an existing output's own values", () => {
    expect(checkOutputForm(outputToForm(output()))).toEqual({});
  });

  it("checks the default state against the kind", () => {
    const relay = { ...emptyOutputForm(), name: "Fan", default_state: "2" };
    const level = { ...emptyOutputForm(), name: "Vent", kind: "level" as const, default_state: "101" };
    expect(checkOutputForm(relay)).toEqual({ default_state: "must be 0 (off) or 1 (on)" });
    expect(checkOutputForm(level)).toEqual({ default_state: "must be a whole number of percent from 0 to 100" });
    expect(checkOutputForm({ ...level, default_state: "55" })).toEqual({});
  });

  it("checks a new output's key against the node's others", () => {
    const form = { ...emptyOutputForm(), name: "Pump", key: "pump" };
    expect(checkOutputForm(form, ["pump"]).key).toBe("is already used by another output of this node");
    expect(checkOutputForm({ ...form, key: "" }, []).key).toMatch(/^must be 1 to 32/);
    expect(checkOutputForm(form, ["fan"])).toEqual({});
  });
});

describe("toOutputUpdate", () => {
  it("sends only what changed", () => {
    const o = output({ name: "Vent fan", default_state: 0 });
    expect(toOutputUpdate({ ...outputToForm(o), default_state: "1" }, o)).toEqual({ default_state: 1 });
    expect(toOutputUpdate({ ...outputToForm(o), name: "Fan " }, o)).toEqual({ name: "Fan" });
    expect(toOutputUpdate(outputToForm(o), o)).toEqual({});
  });
});

describe("toOutputDeclaration", () => {
  it("trims and sends the state as a number", () => {
    expect(toOutputDeclaration({ key: " pump ", name: " Pump ", kind: "level", default_state: " 20 " })).toEqual({
      key: "pump",
      name: "Pump",
      kind: "level",
      default_state: 20,
    });
  });
});
