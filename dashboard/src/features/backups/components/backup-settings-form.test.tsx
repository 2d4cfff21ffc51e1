import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { renderToStaticMarkup } from "react-dom/server";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Capability } from "../../../api/enums";
import { SessionContext, type AuthSession } from "../../auth";
import { backupSettingsKey, type BackupSettings } from "../api/get-backup-settings";
import { backupsKey } from "../api/list-backups";
import { BackupSettingsFields } from "./backup-settings-form";
import { BackupsPage } from "./backups-page";

function session(capabilities: Capability[]): AuthSession {
  return {
    capabilities,
    method: "session",
    expires_at: null,
    user: {
      id: 1,
      username: "ada",
      role: "admin",
      disabled: false,
      created_at: "2026-03-01T06:00:00.000Z",
      updated_at: "2026-03-01T06:00:00.000Z",
    },
  };
}

/** The page as the server would first render it, with the settings and the list already loaded. */
function renderPage(capabilities: Capability[], settings: BackupSettings): string {
  vi.stubGlobal("sessionStorage", { getItem: () => null, removeItem: () => undefined });
  const client = new QueryClient();
  client.setQueryData(backupSettingsKey, settings);
  client.setQueryData(backupsKey, { items: [], running: [] });
  return renderToStaticMarkup(
    <QueryClientProvider client={client}>
      <SessionContext.Provider value={session(capabilities)}>
        <BackupsPage />
      </SessionContext.Provider>
    </QueryClientProvider>,
  );
}

function renderFields(settings: BackupSettings): string {
  return renderToStaticMarkup(
    <QueryClientProvider client={new QueryClient()}>
      <BackupSettingsFields settings={settings} />
    </QueryClientProvider>,
  );
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("the backup settings on the backups page", () => {
  it("are there for those who manage backups, with the folder and the daily time", () => {
    const html = renderPage(["backups.view", "backups.manage"], { dir: "/srv/farm/backups", daily_at: "21:15" });
    expect(html).toContain("Backup settings");
    expect(html).toMatch(/<input[^>]*class="mono"[^>]*value="\/srv\/farm\/backups"/);
    expect(html).toMatch(/<input[^>]*type="time"[^>]*value="21:15"/);
    expect(html).toMatch(/<option value="daily" selected="">Daily at<\/option>/);
  });

  it("are not shown to those who may only view backups", () => {
    const html = renderPage(["backups.view"], { dir: "/srv/farm/backups", daily_at: "03:00" });
    expect(html).toContain("No backups yet.");
    expect(html).not.toContain("Backup settings");
    expect(html).not.toContain("/srv/farm/backups");
  });
});

describe("BackupSettingsFields", () => {
  it("shows a schedule that is off as Off, with the time input disabled", () => {
    const html = renderFields({ dir: "/srv/farm/backups", daily_at: null });
    expect(html).toMatch(/<option value="off" selected="">Off<\/option>/);
    const time = /<input[^>]*type="time"[^>]*>/.exec(html)?.[0] ?? "";
    expect(time).toContain('value="03:00"');
    expect(time).toContain('disabled=""');
  });

  it("offers nothing to save until something changed", () => {
    const html = renderFields({ dir: "/srv/farm/backups", daily_at: "03:00" });
    expect(html).toMatch(/<button type="submit"[^>]*disabled=""[^>]*>Save backup settings<\/button>/);
    expect(html).toContain("No changes yet.");
  });
});
