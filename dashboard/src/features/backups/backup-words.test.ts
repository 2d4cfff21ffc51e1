import { describe, expect, it } from "vitest";
import {
  forgetRestore,
  formatSize,
  recallRestore,
  rememberRestore,
  backupIsTooOld,
  restoreConfirmed,
  runningBackups,
  sha256Hex,
  type RunningBackup,
} from "./backup-words";
import type { BackupProgress } from "../live-state";

const running: RunningBackup = { name: "b1", kind: "manual", started_at: "2026-03-01T06:00:00.000Z", phase: "snapshot" };
const NOW = "2026-03-01T07:00:00.000Z";

describe("formatSize", () => {
  it("speaks in bytes, KiB, MiB", () => {
    expect(formatSize(1)).toBe("1 byte");
    expect(formatSize(900)).toBe("900 bytes");
    expect(formatSize(1536)).toBe("1.5 KiB");
    expect(formatSize(50 * 1024 * 1024)).toBe("50 MiB");
  });
});

describe("sha256Hex", () => {
  it("gives the hex digest the upload header wants", async () => {
    const hex = await sha256Hex(new TextEncoder().encode("abc"));
    expect(hex).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});

describe("runningBackups", () => {
  it("shows the list's running backups with the newest phase from events", () => {
    const progress = new Map<string, BackupProgress>([
      ["b1", { name: "b1", phase: "verify", status: "running", problem: null }],
    ]);
    expect(runningBackups([running], progress, NOW)).toEqual([{ ...running, phase: "verify" }]);
  });

  it("drops one an event says has ended, and adds one only an event knows", () => {
    const progress = new Map<string, BackupProgress>([
      ["b1", { name: "b1", phase: null, status: "verified", problem: null }],
      ["b2", { name: "b2", phase: "compress", status: "running", problem: null }],
    ]);
    expect(runningBackups([running], progress, NOW)).toEqual([
      { name: "b2", kind: "manual", started_at: NOW, phase: "compress" },
    ]);
  });
});

describe("restoreConfirmed", () => {
  it("wants the exact name", () => {
    expect(restoreConfirmed("backup-a", "backup-a")).toBe(true);
    expect(restoreConfirmed("backup-a", " backup-a ")).toBe(true);
    expect(restoreConfirmed("backup-a", "backup-")).toBe(false);
    expect(restoreConfirmed("backup-a", "BACKUP-A")).toBe(false);
  });
});

describe("the restore note", () => {
  function memory(): Storage {
    const items = new Map<string, string>();
    return {
      getItem: (k: string) => items.get(k) ?? null,
      setItem: (k: string, v: string) => void items.set(k, v),
      removeItem: (k: string) => void items.delete(k),
      clear: () => items.clear(),
      key: () => null,
      get length() {
        return items.size;
      },
    };
  }

  it("survives the page (a restore can end the session) until forgotten", () => {
    const storage = memory();
    expect(recallRestore(storage)).toBeNull();
    rememberRestore({ restored: "a", safety_backup: "b" }, storage);
    expect(recallRestore(storage)).toEqual({ restored: "a", safety_backup: "b" });
    forgetRestore(storage);
    expect(recallRestore(storage)).toBeNull();
  });

  it("ignores what it cannot read", () => {
    const storage = memory();
    storage.setItem("farm.backups.restored", "{oops");
    expect(recallRestore(storage)).toBeNull();
  });
});

describe("backupIsTooOld", () => {
  const now = Date.parse("2026-03-05T12:00:00.000Z");
  it("warns without a good backup, or when the newest is over two days old", () => {
    expect(backupIsTooOld(null, now)).toBe(true);
    expect(backupIsTooOld({ created_at: "2026-03-03T11:59:00.000Z" }, now)).toBe(true);
    expect(backupIsTooOld({ created_at: "2026-03-03T12:01:00.000Z" }, now)).toBe(false);
  });
});
