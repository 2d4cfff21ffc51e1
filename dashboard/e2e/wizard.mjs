// Browser run of the first-run setup wizard: starts its own core-server on an empty temp data
// folder (no --demo), walks /setup in headless Chromium (playwright-core, Debian's browser) the
// way a new owner would, with one rejected password on the way, and ends logged in on the
// dashboard. Screenshots: target/e2e/wizard-*.png. Fails on console errors and failed requests.
//
//   FARM_SERVER_BIN=target/debug/core-server node e2e/wizard.mjs
//
// Env: FARM_SERVER_BIN (required); E2E_OUT (default ../target/e2e/ beside the dashboard
// folder); CHROMIUM (default /usr/bin/chromium).

import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const dashboardDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const serverBin = process.env.FARM_SERVER_BIN ?? "";
const outDir = path.resolve(dashboardDir, process.env.E2E_OUT ?? "../target/e2e/");
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const WAIT = 15_000;
const PASSWORD = "four unrelated words";

if (!serverBin) {
  console.error("wizard.mjs needs FARM_SERVER_BIN");
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });

function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** A port nobody listens on right now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

async function waitForHealth(baseUrl, server) {
  for (let i = 0; i < 300; i += 1) {
    if (server.exitCode !== null) throw new Error(`core-server exited with ${server.exitCode}`);
    try {
      if ((await fetch(`${baseUrl}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`core-server did not become ready on ${baseUrl}`);
}

const problems = [];
function watch(page) {
  page.on("console", (m) => {
    // Chromium logs every 4xx response; the wizard's 422 (a refused field) is expected.
    if (m.type() !== "error" || m.text().includes("status of 422")) return;
    problems.push(`console error: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`uncaught error in the page: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.method()} ${r.url()} (${r.failure()?.errorText})`));
  page.on("response", (r) => {
    // 422 is the wizard answering a bad field; a 401 session check before the dashboard loads
    // its user is the dashboard's business, but after the wizard there must be none.
    if (r.status() < 400 || r.status() === 422) return;
    problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
  });
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(outDir, `wizard-${name}.png`), fullPage: true });
}

const started = Date.now();
const tmp = mkdtempSync(path.join(tmpdir(), "farm-wizard-"));
const port = await freePort();
const baseUrl = `http://127.0.0.1:${port}`;
const log = openSync(path.join(outDir, "wizard-server.log"), "w");
const server = spawn(
  path.resolve(serverBin),
  ["--data-dir", path.join(tmp, "data"), "--listen", `127.0.0.1:${port}`, "--backup-time", "off", "serve"],
  { stdio: ["ignore", log, log] },
);
let context;
let ok = false;
try {
  await waitForHealth(baseUrl, server);
  context = await chromium.launchPersistentContext(path.join(tmp, "chromium"), {
    executablePath,
    headless: true,
    args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
    viewport: { width: 390, height: 844 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  watch(page);

  // The dashboard's root sends a fresh controller to the wizard.
  await page.goto(`${baseUrl}/`);
  await page.waitForURL(`${baseUrl}/setup`, { timeout: WAIT });
  await page.getByRole("heading", { name: "Create the admin account" }).waitFor({ timeout: WAIT });
  await shot(page, "1-admin-phone");
  await page.setViewportSize({ width: 1024, height: 760 });

  // A weak password is refused next to its field; htmx swaps the form in place.
  await page.getByLabel("Username").fill("ada");
  await page.getByLabel("Password", { exact: true }).fill("short");
  await page.getByLabel("Password again").fill("short");
  await page.getByRole("button", { name: "Create admin" }).click();
  await page.locator("#password-error").waitFor({ timeout: WAIT });
  check((await page.locator("#password-error").textContent()).includes("at least 10"), "password rule shown");
  check((await page.getByLabel("Username").inputValue()) === "ada", "the username is kept");
  await shot(page, "1-admin-error");

  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Password again").fill(PASSWORD);
  await page.getByRole("button", { name: "Create admin" }).click();
  await page.waitForURL(`${baseUrl}/setup/site`, { timeout: WAIT });

  await page.getByLabel("Site name").fill("North field");
  await page.getByLabel("Time zone").fill("Europe/Berlin");
  await shot(page, "2-site");
  await page.getByRole("button", { name: "Next" }).click();
  await page.waitForURL(`${baseUrl}/setup/backup`, { timeout: WAIT });

  await page.getByLabel("Backup folder").fill(path.join(tmp, "backups"));
  await page.getByLabel("Schedule", { exact: true }).selectOption("daily");
  await page.getByLabel("Time of day (site time)").fill("02:30");
  await shot(page, "3-backup");
  await page.getByRole("button", { name: "Next" }).click();
  await page.waitForURL(`${baseUrl}/setup/done`, { timeout: WAIT });
  check((await page.locator("dl").textContent()).includes("daily at 02:30"), "the summary shows the schedule");
  await shot(page, "4-done");

  await page.getByRole("button", { name: "Open the dashboard" }).click();
  await page.waitForURL(`${baseUrl}/`, { timeout: WAIT });
  await page.getByRole("heading", { name: "North field", level: 1 }).waitFor({ timeout: WAIT });
  const session = await page.evaluate(async () => (await fetch("/api/auth/session")).json());
  check(session.user?.username === "ada" && session.user?.role === "admin", `logged in as ada: ${JSON.stringify(session)}`);
  await shot(page, "5-dashboard");
  check(problems.length === 0, problems.join("\n  "));

  // Leaving the dashboard cancels its event stream; nothing after this is watched.
  page.removeAllListeners();
  const again = await page.goto(`${baseUrl}/setup`);
  check(new URL(again.url()).pathname === "/", "after setup, /setup leads to the dashboard");
  ok = true;
  console.log("ok    setup wizard: admin, site, backups, logged in on the dashboard");
} catch (error) {
  console.log(`FAIL  setup wizard\n  ${error instanceof Error ? error.message : String(error)}`);
  const page = context?.pages()[0];
  if (page) await shot(page, "failed").catch(() => {});
} finally {
  await context?.close().catch(() => {});
  server.kill("SIGTERM");
  await new Promise((r) => (server.exitCode !== null ? r() : server.once("exit", r)));
  rmSync(tmp, { recursive: true, force: true });
}
console.log(`wizard: ${ok ? "passed" : "failed"} in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${outDir}`);
process.exit(ok ? 0 : 1);
