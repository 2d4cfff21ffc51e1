import { describe, expect, it } from "vitest";
import {
  checkNodeForm,
  emptyNodeForm,
  emptyOutputRow,
  emptySensorRow,
  nodeFormFields,
  toNodeCreate,
  type NodeForm,
} from "./node-form";

function validForm(): NodeForm {
  return {
    ...emptyNodeForm(),
    name: " Greenhouse 2 ",
    mac: "B8-27-EB-12-34-56",
    sensors: [{ ...emptySensorRow(), key: "air_temp", name: "Air temperature", unit: "°C", interval_s: "30" }],
    outputs: [{ ...emptyOutputRow(), key: "fan", name: "Fan" }],
  };
}

describe("checkNodeForm", () => {
  it("finds nothing wrong with a complete form", () => {
    expect(checkNodeForm(validForm())).toEqual({});
  });

  it("names missing and malformed fields by their API names", () => {
    const form: NodeForm = {
      ...validForm(),
      name: "  ",
      mac: "b8:27:eb:12:34",
      heartbeat_interval_s: "2",
      sensors: [{ ...emptySensorRow(), key: "Air Temp", name: "", interval_s: "1.5" }],
    };
    expect(checkNodeForm(form)).toEqual({
      name: "is required",
      mac: "must be a MAC address such as b8:27:eb:12:34:56",
      heartbeat_interval_s: "must be a whole number of seconds from 5 to 3600",
      "sensors[0].key": "must be 1 to 32 characters of a-z, 0-9 and '_'",
      "sensors[0].name": "is required",
      "sensors[0].interval_s": "must be a whole number of seconds from 1 to 86400",
    });
  });

  it("accepts the MAC spellings the server accepts", () => {
    for (const mac of ["b8:27:eb:12:34:56", "B8-27-EB-12-34-56", "b827eb123456"]) {
      expect(checkNodeForm({ ...validForm(), mac }).mac).toBeUndefined();
    }
    expect(checkNodeForm({ ...validForm(), mac: "b8:27-eb:12:34:56" }).mac).toBeDefined();
  });

  it("refuses a key used twice among the sensors, but not a sensor and an output sharing one", () => {
    const row = { ...emptySensorRow(), key: "temp", name: "T" };
    const form: NodeForm = {
      ...validForm(),
      sensors: [row, { ...row }],
      outputs: [{ ...emptyOutputRow(), key: "temp", name: "Heater" }],
    };
    expect(checkNodeForm(form)).toEqual({ "sensors[1].key": "is used twice on this node" });
  });

  it("checks an output's default state against its kind", () => {
    const relay = { ...emptyOutputRow(), key: "a", name: "A", default_state: "2" };
    const level = { ...emptyOutputRow(), key: "b", name: "B", kind: "level" as const, default_state: "101" };
    const fine = { ...emptyOutputRow(), key: "c", name: "C", kind: "level" as const, default_state: "40" };
    expect(checkNodeForm({ ...validForm(), outputs: [relay, level, fine] })).toEqual({
      "outputs[0].default_state": "must be 0 (off) or 1 (on)",
      "outputs[1].default_state": "must be a whole number of percent from 0 to 100",
    });
  });
});

describe("toNodeCreate", () => {
  it("trims text, leaves empty optional fields null and sends numbers", () => {
    expect(toNodeCreate(validForm())).toEqual({
      name: "Greenhouse 2",
      mac: "B8-27-EB-12-34-56",
      model: null,
      heartbeat_interval_s: null,
      sensors: [{ key: "air_temp", name: "Air temperature", kind: "temperature", unit: "°C", interval_s: 30 }],
      outputs: [{ key: "fan", name: "Fan", kind: "relay", default_state: 0 }],
    });
  });
});

describe("nodeFormFields", () => {
  it("lists the API names of every field shown, rows included", () => {
    const fields = nodeFormFields(validForm());
    expect(fields).toContain("sensors[0].unit");
    expect(fields).toContain("outputs[0].default_state");
    expect(fields).not.toContain("sensors[1].key");
  });
});
