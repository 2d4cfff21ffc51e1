import { describe, expect, it } from "vitest";
import type { BackupSettings } from "./api/get-backup-settings";
import {
  checkBackupSettingsForm,
  describeSchedule,
  sameSettings,
  settingsToForm,
  toBackupSettingsUpdate,
  type BackupSettingsForm,
} from "./backup-settings-form";

const daily: BackupSettings = { dir: "/srv/farm/backups", daily_at: "03:00" };
const off: BackupSettings = { dir: "/srv/farm/backups", daily_at: null };

describe("settingsToForm", () => {
  it("shows the daily time, or off with 03:00 ready for when it is switched on", () => {
    expect(settingsToForm({ ...daily, daily_at: "21:15" })).toEqual({
      dir: "/srv/farm/backups",
      daily: true,
      dailyAt: "21:15",
    });
    expect(settingsToForm(off)).toEqual({ dir: "/srv/farm/backups", daily: false, dailyAt: "03:00" });
  });
});

describe("checkBackupSettingsForm", () => {
  const form: BackupSettingsForm = { dir: "/mnt/usb/farm", daily: true, dailyAt: "02:30" };

  it("finds nothing wrong with a valid form", () => {
    expect(checkBackupSettingsForm(form)).toEqual({});
    expect(checkBackupSettingsForm({ ...form, daily: false, dailyAt: "" })).toEqual({});
  });

  it("names the field in core-server's words", () => {
    expect(checkBackupSettingsForm({ ...form, dir: "backups", dailyAt: "25:00" })).toEqual({
      dir: "must be an absolute path such as /var/backups/farm",
      daily_at: "must be a time HH:MM such as 03:00, or off",
    });
    expect(checkBackupSettingsForm({ ...form, dir: "  " })).toEqual({
      dir: "must be a folder path of at most 1024 characters",
    });
    expect(checkBackupSettingsForm({ ...form, dir: "/a\nb" }).dir).toBe("must be a folder path of at most 1024 characters");
    expect(checkBackupSettingsForm({ ...form, dir: `/${"é".repeat(512)}` }).dir).toBe(
      "must be a folder path of at most 1024 characters",
    );
    for (const bad of ["3pm", "3:00", "24:00", "12:60", ""]) {
      expect(checkBackupSettingsForm({ ...form, dailyAt: bad }).daily_at, bad).toBe(
        "must be a time HH:MM such as 03:00, or off",
      );
    }
  });
});

describe("toBackupSettingsUpdate", () => {
  it("sends the trimmed folder and the time, or null when off", () => {
    expect(toBackupSettingsUpdate({ dir: " /mnt/usb/farm ", daily: true, dailyAt: "02:30" })).toEqual({
      dir: "/mnt/usb/farm",
      daily_at: "02:30",
    });
    expect(toBackupSettingsUpdate({ dir: "/mnt/usb/farm", daily: false, dailyAt: "02:30" })).toEqual({
      dir: "/mnt/usb/farm",
      daily_at: null,
    });
  });
});

describe("sameSettings", () => {
  it("tells whether saving would change anything", () => {
    expect(sameSettings(settingsToForm(daily), daily)).toBe(true);
    expect(sameSettings({ ...settingsToForm(daily), dir: " /srv/farm/backups " }, daily)).toBe(true);
    expect(sameSettings({ ...settingsToForm(daily), daily: false }, daily)).toBe(false);
    expect(sameSettings({ ...settingsToForm(off), dailyAt: "04:00" }, off)).toBe(true);
    expect(sameSettings({ ...settingsToForm(daily), dir: "/mnt/usb" }, daily)).toBe(false);
  });
});

describe("describeSchedule", () => {
  it("says when the daily backup runs, or that none does", () => {
    expect(describeSchedule(daily)).toBe("a backup every day at 03:00 (site time)");
    expect(describeSchedule(off)).toBe("no scheduled backups");
  });
});
