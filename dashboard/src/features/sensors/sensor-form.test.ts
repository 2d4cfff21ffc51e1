import { describe, expect, it } from "vitest";
import { sensor } from "../../test/fixtures";
import { checkSensorForm, emptySensorForm, sensorToForm, toSensorDeclaration, toSensorUpdate } from "./sensor-form";

describe("checkSensorForm", () => {
  it("finds nothing wrong with an existing sensor's own values", () => {
    expect(checkSensorForm(sensorToForm(sensor()))).toEqual({});
  });

  it("names each problem by its API field", () => {
    const form = { ...sensorToForm(sensor()), name: "", unit: "x".repeat(17), interval_s: "0", retention_days: "4000" };
    expect(checkSensorForm(form)).toEqual({
      name: "is required",
      unit: "must be at most 16 characters",
      interval_s: "must be a whole number of seconds from 1 to 86400",
      retention_days: "must be a whole number of days from 1 to 3650",
    });
  });

  it("checks a new sensor's key, also against the node's other sensors", () => {
    const form = { ...emptySensorForm(), name: "Soil" };
    expect(checkSensorForm({ ...form, key: "Soil 1" }, []).key).toMatch(/^must be 1 to 32/);
    expect(checkSensorForm({ ...form, key: "air_temp" }, ["air_temp"]).key).toBe(
      "is already used by another sensor of this node",
    );
    expect(checkSensorForm({ ...form, key: "soil" }, ["air_temp"])).toEqual({});
  });

  it("ignores the key when editing (it cannot change)", () => {
    expect(checkSensorForm({ ...sensorToForm(sensor()), key: "BAD KEY" })).toEqual({});
  });
});

describe("toSensorUpdate", () => {
  it("sends only the changed fields, as numbers", () => {
    const s = sensor({ name: "Air temperature", unit: "°C", interval_s: 10, retention_days: 365 });
    const form = { ...sensorToForm(s), name: " Air temp ", retention_days: "90" };
    expect(toSensorUpdate(form, s)).toEqual({ name: "Air temp", retention_days: 90 });
    expect(toSensorUpdate(sensorToForm(s), s)).toEqual({});
  });
});

describe("toSensorDeclaration", () => {
  it("trims the text and sends numbers", () => {
    expect(
      toSensorDeclaration({
        key: " soil_1 ",
        name: " Soil ",
        kind: "soil_moisture",
        unit: " % ",
        interval_s: "120",
        retention_days: "30",
      }),
    ).toEqual({ key: "soil_1", name: "Soil", kind: "soil_moisture", unit: "%", interval_s: 120, retention_days: 30 });
  });
});
