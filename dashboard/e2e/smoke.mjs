// Browser smoke test of the dashboard against a running core-server with the demo farm and
// node-sim (see run.sh, which sets all of that up). Drives Debian's Chromium through
// playwright-core (no browser download), checks what an operator would, saves a screenshot of
// each page and fails on any console error or failed request.
//
//   FARM_URL=http://127.0.0.1:18200 FARM_ADMIN_PASSWORD=… node e2e/smoke.mjs
//
// Env: FARM_URL, FARM_ADMIN_PASSWORD (required); E2E_OUT (screenshots; default ../target/e2e/
// beside the dashboard folder); CHROMIUM (default /usr/bin/chromium).

import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const dashboardDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const baseUrl = (process.env.FARM_URL ?? "").replace(/\/$/, "");
const password = process.env.FARM_ADMIN_PASSWORD ?? "";
const outDir = path.resolve(dashboardDir, process.env.E2E_OUT ?? "../target/e2e/");
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const WAIT = 15_000;

if (!baseUrl || !password) {
  console.error("smoke.mjs needs FARM_URL and FARM_ADMIN_PASSWORD");
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });

// ---------- what must not happen on any page ----------

const problems = [];
/** While true, a 401 from the session check is expected: the test is logged out on purpose. */
let loggedOutOnPurpose = false;

function isExpected401(url) {
  return loggedOutOnPurpose && new URL(url).pathname === "/api/auth/session";
}

function watch(page) {
  // A request still running when the page navigates (a reload, a deep link, logging out) is
  // cancelled by the browser, the event stream included: that is not a failure.
  let navigations = 0;
  const startedDuring = new WeakMap();
  page.on("request", (request) => {
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()) navigations += 1;
    startedDuring.set(request, navigations);
  });
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    const where = message.location()?.url ?? "";
    if (where && isExpected401(where) && message.text().includes("401")) return;
    problems.push(`console error: ${message.text()} (${where})`);
  });
  page.on("pageerror", (error) => problems.push(`uncaught error in the page: ${error.message}`));
  page.on("requestfailed", (request) => {
    const failure = request.failure()?.errorText ?? "failed";
    const cancelledByNavigation =
      failure.includes("ERR_ABORTED") &&
      !request.isNavigationRequest() &&
      (startedDuring.get(request) ?? navigations) < navigations;
    if (cancelledByNavigation) return;
    problems.push(`request failed: ${request.method()} ${request.url()} (${failure})`);
  });
  page.on("response", (response) => {
    if (response.status() < 400 || isExpected401(response.url())) return;
    problems.push(`HTTP ${response.status()}: ${response.request().method()} ${response.url()}`);
  });
}

// ---------- helpers ----------

function check(condition, message) {
  if (!condition) throw new Error(message);
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(outDir, `${name}.png`), fullPage: true });
}

/** Shoots the page as a phone shows it, failing when it is wider than the phone; back to desktop after. */
async function phoneShot(page, name) {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, `${name}: the page is ${overflow}px wider than the phone`);
  await shot(page, name);
  await page.setViewportSize({ width: 1280, height: 800 });
}

async function login(page) {
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
}

async function canvasHasInk(page) {
  return page.evaluate(() => {
    const canvas = document.querySelector(".metric-chart__plot canvas");
    if (!(canvas instanceof HTMLCanvasElement) || canvas.width === 0) return 0;
    const context = canvas.getContext("2d");
    if (!context) return 0;
    const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
    let inked = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) inked += 1;
    return inked;
  });
}

// ---------- the checks, in order; each builds on the one before ----------

const steps = [
  [
    "logs in",
    async (page) => {
      await page.goto(`${baseUrl}/login`);
      await shot(page, "01-login");
      await login(page);
      await page.waitForURL(`${baseUrl}/`, { timeout: WAIT });
      const who = page.locator("[data-user]");
      await who.waitFor({ timeout: WAIT });
      check((await who.innerText()).includes("admin"), "the header does not show the user");
    },
  ],
  [
    "sees the 3 demo nodes online on the overview, live",
    async (page) => {
      for (const name of ["Greenhouse", "Pump house", "Barn"]) {
        const card = page.locator(".node-card", { has: page.getByText(name, { exact: true }) });
        await card.locator('[data-node-status="online"]').waitFor({ timeout: WAIT });
      }
      await page.locator('[data-live-status="live"]').waitFor({ timeout: WAIT });
      await page.locator("[data-sparkline]").first().waitFor({ timeout: WAIT });
      await shot(page, "02-overview");
    },
  ],
  [
    "toggles an output and sees the node confirm it",
    async (page) => {
      const card = page.locator(".output", { has: page.getByRole("heading", { name: "Vent fan" }) });
      await card.waitFor({ timeout: WAIT });
      const id = await card.getAttribute("data-output-id");
      const before = await card.getAttribute("data-desired");
      const want = before === "1" ? "0" : "1";
      await card.getByRole("switch").click();
      // The spinner shows while the node has not confirmed (the simulator answers after 200 ms)...
      await page.locator(`.output[data-output-id="${id}"][data-pending="true"] [data-spinner]`).waitFor({
        timeout: WAIT,
      });
      // ...and goes once it has, with the reported state matching the wanted one.
      await page.waitForFunction(
        ([outputId, state]) => {
          const el = document.querySelector(`.output[data-output-id="${outputId}"]`);
          return (
            el instanceof HTMLElement &&
            el.dataset.pending === "false" &&
            el.dataset.desired === state &&
            el.dataset.reported === state &&
            !el.querySelector("[data-spinner]")
          );
        },
        [id, want],
        { timeout: WAIT },
      );
      const reported = await card.locator(".output__states dd").nth(1).innerText();
      check(reported === (want === "1" ? "On" : "Off"), `reported state reads ${reported}`);
      const warnings = await card.locator("[data-summary]").allInnerTexts();
      check(warnings.length === 0, `the output still shows: ${warnings.join(" ")}`);
      await shot(page, "03-overview-after-toggle");
    },
  ],
  [
    "shows the overview on a phone",
    async (page) => {
      await page.setViewportSize({ width: 390, height: 844 });
      await page.waitForTimeout(300);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      check(overflow <= 0, `the page is ${overflow}px wider than the phone`);
      await shot(page, "04-overview-phone");
      await page.setViewportSize({ width: 1280, height: 800 });
    },
  ],
  [
    "draws a uPlot chart with data and zooms by dragging",
    async (page) => {
      await page.getByRole("link", { name: "Charts", exact: true }).click();
      await page.waitForURL(/\/charts/, { timeout: WAIT });
      const plot = page.locator(".metric-chart__plot canvas");
      await plot.waitFor({ timeout: WAIT });
      const points = Number(await page.locator("[data-chart-points]").first().getAttribute("data-chart-points"));
      check(points > 0, "the chart has no points");
      await page.waitForFunction(() => document.querySelectorAll(".metric-chart__plot canvas").length > 0);
      let ink = 0;
      for (let i = 0; i < 20 && ink < 500; i += 1) {
        ink = await canvasHasInk(page);
        if (ink < 500) await page.waitForTimeout(100);
      }
      check(ink >= 500, `the chart canvas is (almost) blank: ${ink} pixels drawn`);
      await page.getByRole("button", { name: "7 d" }).click();
      await page.waitForURL(/range=7d/, { timeout: WAIT });
      await page.locator(".toolbar .muted", { hasText: "Loading" }).waitFor({ state: "detached", timeout: WAIT });
      await shot(page, "05-charts");

      const box = await page.locator(".metric-chart__plot .u-over").boundingBox();
      check(box, "no chart area to drag across");
      await page.mouse.move(box.x + box.width * 0.55, box.y + box.height / 2);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.75, box.y + box.height / 2, { steps: 8 });
      await page.mouse.up();
      await page.waitForURL(/from=.*to=/, { timeout: WAIT });
      await page.getByText("Zoomed in:").waitFor({ timeout: WAIT });
      await page.locator(".metric-chart__plot canvas").waitFor({ timeout: WAIT });
      await page.locator(".toolbar .muted", { hasText: "Loading" }).waitFor({ state: "detached", timeout: WAIT });
      await shot(page, "06-charts-zoomed");
    },
  ],
  [
    "lists the nodes and opens one",
    async (page) => {
      await page.getByRole("link", { name: "Nodes", exact: true }).click();
      await page.locator("tbody tr[data-node-id]").nth(2).waitFor({ timeout: WAIT });
      await shot(page, "07-nodes");
      await page.getByRole("link", { name: "Greenhouse" }).click();
      await page.waitForURL(`${baseUrl}/nodes/1`, { timeout: WAIT });
      await page.getByRole("heading", { name: "Greenhouse", level: 1 }).waitFor({ timeout: WAIT });
      await page.locator(".output").first().waitFor({ timeout: WAIT });
      await shot(page, "08-node-detail");
    },
  ],
  [
    "reloads a deep link (SPA fallback)",
    async (page) => {
      const response = await page.goto(`${baseUrl}/nodes/1`);
      check(response?.status() === 200, `GET /nodes/1 answered ${response?.status()}`);
      await page.getByRole("heading", { name: "Greenhouse", level: 1 }).waitFor({ timeout: WAIT });
      await page.locator("[data-node-status]").first().waitFor({ timeout: WAIT });
    },
  ],
  [
    "shows the confirmed command in the history",
    async (page) => {
      await page.getByRole("link", { name: "Commands", exact: true }).click();
      const row = page.locator("tbody tr[data-command-id]").first();
      await row.waitFor({ timeout: WAIT });
      const text = await row.innerText();
      check(text.includes("Vent fan") && text.includes("confirmed"), `newest command row: ${text}`);
      await shot(page, "09-commands");
    },
  ],
  [
    "opens users and creates an API token, showing its secret once",
    async (page) => {
      await page.getByRole("link", { name: "Users", exact: true }).click();
      await page.locator("tbody tr[data-user-id]").first().waitFor({ timeout: WAIT });
      await shot(page, "10-users");
      await page.getByRole("link", { name: "API tokens", exact: true }).click();
      await page.getByRole("heading", { name: "Create a token" }).waitFor({ timeout: WAIT });
      await page.getByLabel("Name").fill("smoke-test");
      await page.getByRole("checkbox", { name: /View nodes/ }).check();
      await page.getByRole("button", { name: "Create token" }).click();
      const secret = page.locator("[data-secret]");
      await secret.waitFor({ timeout: WAIT });
      check((await secret.inputValue()).length > 16, "the token secret is not shown");
      await page.locator('tbody tr[data-token-id]').first().waitFor({ timeout: WAIT });
      await shot(page, "11-api-tokens");
    },
  ],
  [
    "draws a weekly block on the schedules week view and sees it in the preview",
    async (page) => {
      await page.getByRole("link", { name: "Schedules", exact: true }).click();
      await page.locator("[data-week-calendar] .fc-timegrid-body").waitFor({ timeout: WAIT });
      // Wednesday's column, from 10:00 to 12:00 (the grid's hour rows).
      const column = await page.locator(".fc-timegrid-col.fc-day-wed").boundingBox();
      const from = await page.locator('.fc-timegrid-slot-lane[data-time="10:00:00"]').boundingBox();
      const to = await page.locator('.fc-timegrid-slot-lane[data-time="12:00:00"]').boundingBox();
      check(column && from && to, "no time grid to draw on");
      const x = column.x + column.width / 2;
      await page.mouse.move(x, from.y + 2);
      await page.mouse.down();
      await page.mouse.move(x, from.y + 20, { steps: 4 });
      await page.mouse.move(x, to.y - 2, { steps: 8 });
      await page.mouse.up();
      const form = page.locator("[data-new-schedule]");
      await form.waitFor({ timeout: WAIT });
      const text = await form.innerText();
      check(text.includes("wed 10:00–12:00"), `the new block reads: ${text.slice(0, 120)}`);
      await form.getByLabel("Name").fill("Smoke watering");
      await form.getByRole("checkbox").first().check();
      await form.getByRole("button", { name: "Create schedule" }).click();
      const firing = page.locator("[data-schedule-preview] li[data-firing]").first();
      await firing.waitFor({ timeout: WAIT });
      const first = await firing.getAttribute("data-firing");
      check(first?.endsWith("T10:00"), `the preview's first firing starts ${first}`);
      await page.locator(".fc-event", { hasText: "Smoke watering" }).first().waitFor({ timeout: WAIT });
      await shot(page, "12-schedules");
      await page.setViewportSize({ width: 390, height: 844 });
      await page.waitForTimeout(300);
      await shot(page, "12-schedules-phone");
      await page.setViewportSize({ width: 1280, height: 800 });
    },
  ],
  [
    "runs the new schedule now and finds its decision and command in the action log",
    async (page) => {
      const panel = page.locator("[data-schedule-panel]");
      await panel.getByRole("button", { name: "Run now" }).click();
      await panel.getByText("Running until").waitFor({ timeout: WAIT });
      await page.getByRole("link", { name: "Action log", exact: true }).click();
      await page.waitForURL(/\/action-log/, { timeout: WAIT });
      // The engine decides within moments; the page looks again every 15 s, so allow one round.
      const row = page.locator('tbody tr[data-outcome="fired"]', { hasText: "Smoke watering" }).first();
      await row.waitFor({ timeout: 2 * WAIT });
      await row.locator("[data-command-ids]").waitFor({ timeout: WAIT });
      const text = await row.innerText();
      check(text.includes("Started") && text.includes("Irrigation valve"), `the action log row reads: ${text}`);
      // Filtering goes into the address and to the API.
      await page.getByLabel("Outcome").selectOption("fired");
      await page.waitForURL(/outcome=fired/, { timeout: WAIT });
      await row.waitFor({ timeout: WAIT });
      check(
        (await page.locator("tbody tr[data-outcome]").evaluateAll((rows) => rows.every((r) => r.dataset.outcome === "fired"))),
        "the outcome filter lets other outcomes through",
      );
      await shot(page, "18-action-log");
      await phoneShot(page, "18-action-log-phone");
    },
  ],
  [
    "lists a device waiting to be adopted and adopts it, showing the token once",
    async (page) => {
      // A new device announces itself (no authentication), as a node's agent does on first boot.
      const announced = await fetch(`${baseUrl}/api/adoption/announce`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ mac: "02:00:00:00:e2:e2", model: "Smoke board", agent_version: "1.0" }),
      });
      check(announced.status === 202, `announce answered ${announced.status}`);
      await page.getByRole("link", { name: "Nodes", exact: true }).click();
      const section = page.locator("[data-adoption-candidates]");
      await section.waitFor({ timeout: WAIT });
      const candidate = section.locator('[data-candidate="02:00:00:00:e2:e2"]');
      await candidate.waitFor({ timeout: WAIT });
      await candidate.getByRole("button", { name: "Adopt" }).click();
      await candidate.getByLabel("Name for the new node").fill("Smoke node");
      await candidate.getByRole("button", { name: "Create adoption token" }).click();
      const secret = candidate.locator("[data-adoption-token] [data-secret]");
      await secret.waitFor({ timeout: WAIT });
      check((await secret.inputValue()).length > 16, "the adoption token is not shown");
      await shot(page, "13-adoption");
      await page.setViewportSize({ width: 390, height: 844 });
      await page.waitForTimeout(200);
      await shot(page, "13-adoption-phone");
      await page.setViewportSize({ width: 1280, height: 800 });
    },
  ],
  [
    "shows a node's configuration bundle",
    async (page) => {
      await page.getByRole("link", { name: "Greenhouse" }).click();
      await page.getByRole("heading", { name: "Greenhouse", level: 1 }).waitFor({ timeout: WAIT });
      await page.getByRole("button", { name: "Replace hardware" }).waitFor({ timeout: WAIT });
      await page.getByRole("button", { name: "Show" }).click();
      const bundle = page.locator("[data-bundle]");
      await bundle.waitFor({ timeout: WAIT });
      check((await bundle.innerText()).includes('"version"'), "the bundle shows no JSON");
      await shot(page, "14-node-bundle");
    },
  ],
  [
    "renames a sensor and changes an output's default state from the node page",
    async (page) => {
      // The node's own settings: a heartbeat out of range is refused next to its field, in words.
      await page.getByRole("button", { name: "Rename or change heartbeat" }).click();
      const nodeForm = page.locator("form", { has: page.getByRole("heading", { name: "Change Greenhouse" }) });
      await nodeForm.getByLabel("Heartbeat every (s)").fill("2");
      await nodeForm.getByRole("button", { name: "Save" }).click();
      await nodeForm.locator(".field__error", { hasText: "from 5 to 3600" }).waitFor({ timeout: WAIT });
      await nodeForm.getByRole("button", { name: "Cancel" }).click();

      const sensors = page.locator('[data-manage="sensors"]');
      await sensors.locator("summary").click();
      const item = sensors.locator("[data-sensor-setting]").first();
      await item.getByRole("button", { name: "Edit" }).click();
      const name = item.getByLabel("Name");
      await name.fill("");
      await item.getByRole("button", { name: "Save" }).click();
      await item.locator(".field__error", { hasText: "is required" }).waitFor({ timeout: WAIT });
      await name.fill("Air temperature north");
      await item.getByLabel("Keep readings (days)").fill("90");
      await item.getByRole("button", { name: "Save" }).click();
      await item.getByText("kept 90 d").waitFor({ timeout: WAIT });
      await page.locator(".sensor__name", { hasText: "Air temperature north" }).waitFor({ timeout: WAIT });

      const outputs = page.locator('[data-manage="outputs"]');
      await outputs.locator("summary").click();
      const output = outputs.locator("[data-output-setting]").first();
      await output.getByRole("button", { name: "Edit" }).click();
      await output.getByLabel("Default state").selectOption("1");
      await output.getByRole("button", { name: "Save" }).click();
      await output.getByText("default On").waitFor({ timeout: WAIT });
      await outputs.getByRole("button", { name: "Add an output" }).click();
      await shot(page, "17-node-edit");
      await phoneShot(page, "17-node-edit-phone");
      await outputs.getByRole("button", { name: "Cancel" }).click();
    },
  ],
  [
    "takes a backup and sees it verified",
    async (page) => {
      await page.getByRole("link", { name: "Backups", exact: true }).click();
      await page.getByRole("heading", { name: "Backups", level: 1 }).waitFor({ timeout: WAIT });
      await page.getByRole("button", { name: "Back up now" }).click();
      await page.locator('[data-backup-finished="verified"]').waitFor({ timeout: WAIT });
      await page.locator('tbody tr[data-status="verified"]').first().waitFor({ timeout: WAIT });
      await shot(page, "15-backups");
      await page.setViewportSize({ width: 390, height: 844 });
      await page.waitForTimeout(200);
      await shot(page, "15-backups-phone");
      await page.setViewportSize({ width: 1280, height: 800 });
    },
  ],
  [
    "acknowledges the open backup alarm from the overview",
    async (page) => {
      // Started without a backup, the server raised "no verified backup" at once.
      await page.getByRole("link", { name: /^Alarms/ }).waitFor({ timeout: WAIT });
      await page.getByRole("link", { name: "Overview", exact: true }).click();
      const panel = page.locator("[data-open-alarms]");
      const alarm = panel.locator('[data-alarm-id][data-open="true"]', { hasText: "no verified backup" }).first();
      await alarm.waitFor({ timeout: WAIT });
      const id = await alarm.getAttribute("data-alarm-id");
      await shot(page, "19-overview-alarm");
      await alarm.getByRole("button", { name: "Acknowledge" }).click();
      await page.locator(`[data-open-alarms] [data-alarm-id="${id}"]`).waitFor({ state: "detached", timeout: WAIT });
      await page.goto(`${baseUrl}/alarms?show=all`);
      const done = page.locator(`[data-alarm-id="${id}"][data-open="false"]`);
      await done.waitFor({ timeout: WAIT });
      check((await done.innerText()).includes("by admin"), "the alarm does not say who acknowledged it");
      await shot(page, "19-alarms");
      await phoneShot(page, "19-alarms-phone");
    },
  ],
  [
    "shows the next schedule firings and the newest backup's age on the overview",
    async (page) => {
      await page.getByRole("link", { name: "Overview", exact: true }).click();
      await page.getByRole("heading", { name: "Next schedule firings" }).waitFor({ timeout: WAIT });
      await page.locator('[data-backup-age="ok"]').waitFor({ timeout: WAIT });
      await shot(page, "16-overview-coming-up");
    },
  ],
  [
    "changes the site name in settings and sees it after a reload",
    async (page) => {
      await page.getByRole("link", { name: "Settings", exact: true }).click();
      const name = page.getByLabel("Site name");
      await name.waitFor({ timeout: WAIT });
      await name.fill("");
      await page.getByRole("button", { name: "Save site settings" }).click();
      await page.locator(".field--invalid .field__error", { hasText: "is required" }).waitFor({ timeout: WAIT });
      await name.fill("Smoke Farm");
      await page.getByLabel("Search time zones").fill("america");
      await page.locator("[data-timezone-list] option").first().waitFor({ timeout: WAIT });
      await shot(page, "20-settings-search");
      await page.getByLabel("Search time zones").fill("");
      await page.getByRole("button", { name: "Save site settings" }).click();
      await page.locator("[data-saved]").waitFor({ timeout: WAIT });
      await page.reload();
      await page.getByLabel("Site name").waitFor({ timeout: WAIT });
      await page.waitForFunction(
        () => document.querySelector(".topbar__site")?.textContent === "Smoke Farm",
        undefined,
        { timeout: WAIT },
      );
      const saved = await page.getByLabel("Site name").inputValue();
      check(saved === "Smoke Farm", `after a reload the site name reads ${saved}`);
      await shot(page, "20-settings");
      await phoneShot(page, "20-settings-phone");
    },
  ],
  [
    "after the session ends, logging in comes back to the page",
    async (page) => {
      await page.getByRole("button", { name: "Log out" }).click();
      await page.waitForURL(`${baseUrl}/login`, { timeout: WAIT });
      loggedOutOnPurpose = true;
      await page.goto(`${baseUrl}/commands?output=2`);
      await page.waitForURL(/\/login\?next=/, { timeout: WAIT });
      await login(page);
      await page.waitForURL(`${baseUrl}/commands?output=2`, { timeout: WAIT });
      await page.locator("tbody tr[data-command-id]").first().waitFor({ timeout: WAIT });
      loggedOutOnPurpose = false;
    },
  ],
];

// ---------- run ----------

const started = Date.now();
const userDataDir = mkdtempSync(path.join(tmpdir(), "farm-e2e-chromium-"));
let passed = 0;
let failed = 0;
let context;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: [
      "--headless=new",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1280, height: 800 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  watch(page);
  for (const [name, run] of steps) {
    const before = problems.length;
    try {
      await run(page);
      if (problems.length > before) throw new Error(problems.slice(before).join("\n  "));
      passed += 1;
      console.log(`ok    ${name}`);
    } catch (error) {
      failed += 1;
      console.log(`FAIL  ${name}\n  ${error instanceof Error ? error.message : String(error)}`);
      await shot(page, `failed-${passed + failed}`).catch(() => {});
      break; // the steps build on each other
    }
  }
} finally {
  await context?.close().catch(() => {});
  rmSync(userDataDir, { recursive: true, force: true });
}

const skipped = steps.length - passed - failed;
console.log(`screenshots in ${outDir}; ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`smoke: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed === 0 && passed === steps.length ? 0 : 1);
