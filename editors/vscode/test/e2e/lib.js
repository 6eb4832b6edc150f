// What the real-editor scenarios share: launching Debian's chromium on the
// code-server page, the palette, reading what an editor shows, the
// transcript as VS Code logged it, and the JSON result printed last.
"use strict";
const fs = require("fs");
const path = require("path");
const { chromium } = require("playwright-core");

function recorder() {
  const result = { ok: false, steps: [], timings: {} };
  const t0 = Date.now();
  const step = (name) => {
    result.steps.push(name);
    result.timings[name] = Date.now() - t0;
    process.stderr.write(`[scenario ${((Date.now() - t0) / 1000).toFixed(1)}s] ${name}\n`);
  };
  return { result, step, t0 };
}

async function lensTitles(page) {
  return page.$$eval(".codelens-decoration a, .codelens-decoration span", (els) =>
    els.map((e) => e.textContent.trim()).filter((t) => t && t !== "|"),
  );
}

/** The text of the visible (small) editor, from its rendered lines in order. */
async function editorText(page, root) {
  return page.$eval(root, (el) => {
    // The editor's own lines: the zones of Tandem's hunks hold editors too.
    const own = el.querySelector(".view-lines");
    const lines = own ? [...own.querySelectorAll(":scope > .view-line")] : [];
    lines.sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top));
    return lines.map((l) => l.textContent.replace(/\u00a0/g, " ")).join("\n");
  });
}

/** The text of the panel's editor with the most text (the output channel shown). */
async function panelText(page) {
  return page.$$eval(".part.panel .monaco-editor", (els) =>
    els
      .map((el) => {
        const lines = [...el.querySelectorAll(".view-lines .view-line")];
        lines.sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top));
        return lines.map((l) => l.textContent.replace(/\u00a0/g, " ")).join("\n");
      })
      .sort((a, b) => b.length - a.length)[0] ?? "",
  );
}

/** The extension's transcript channel as VS Code logged it to disk. */
function transcriptLog() {
  const found = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/-Tandem\.log$/.test(e.name)) found.push(fs.readFileSync(p, "utf8"));
    }
  };
  try {
    walk(path.join(process.env.RUN_DIR, "user-data", "logs"));
  } catch (e) {
    return `no transcript log: ${e}`;
  }
  return found.join("\n");
}

async function palette(page, command) {
  await page.keyboard.press("F1");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible" });
  await input.fill(`>${command}`);
  // Wait until the list is filtered down to the command: on a slow machine
  // Enter right after typing picks a stale row (the recently used command).
  await page.waitForFunction(
    (label) => {
      const row = document.querySelector(".quick-input-list .monaco-list-row");
      return row && (row.getAttribute("aria-label") || row.textContent).includes(label);
    },
    command,
  );
  await page.keyboard.press("Enter");
}

/** Quick open (Ctrl+P) a workspace file into the editor. */
async function quickOpen(page, file) {
  await page.keyboard.press("Control+P");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible" });
  await input.fill(file);
  await page.waitForFunction(
    (name) => {
      const row = document.querySelector(".quick-input-list .monaco-list-row");
      return row && (row.getAttribute("aria-label") || row.textContent).includes(name.split("/").pop());
    },
    file,
  );
  await page.keyboard.press("Enter");
  await page.waitForFunction(
    (name) => {
      const tab = document.querySelector(".tabs-container .tab.active");
      return tab && tab.textContent.includes(name.split("/").pop());
    },
    file,
  );
}

/** Run `scenario(page, rec)` in a fresh browser and print the JSON result. */
async function run(scenario) {
  const rec = recorder();
  const { result } = rec;
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(30_000);
    await page.goto(process.env.CS_URL);
    await page.locator(".monaco-workbench").waitFor();
    await page.locator(".statusbar-item", { hasText: "Tandem" }).first().waitFor({ timeout: 60_000 });
    rec.step("workbench ready, extension active");
    await scenario(page, rec);
    result.ok = true;
  } catch (e) {
    result.error = String(e && e.stack ? e.stack : e);
    try {
      const pages = browser.contexts().flatMap((c) => c.pages());
      if (pages[0]) {
        // What the user would have seen when it went wrong.
        result.atFailure = {
          lenses: await lensTitles(pages[0]),
          notifications: (await pages[0].locator(".notification-toast").allTextContents()).map((t) => t.trim()),
          quickInput: await pages[0].locator(".quick-input-widget").isVisible(),
          tabs: (await pages[0].locator(".tabs-container .tab").allTextContents()).map((t) => t.trim()),
          statusBar: (await pages[0].locator(".statusbar-item", { hasText: "Tandem" }).allTextContents()).map((t) =>
            t.trim(),
          ),
          transcript: transcriptLog(),
        };
        await pages[0].screenshot({ path: path.join(process.env.SHOTS, `vscode-${process.env.SCENARIO}-failure.png`) });
      }
    } catch {}
  } finally {
    await browser.close();
  }
  result.timings.total = Date.now() - rec.t0;
  console.log(JSON.stringify(result));
  process.exit(result.ok ? 0 : 1);
}

module.exports = { lensTitles, editorText, panelText, transcriptLog, palette, quickOpen, run };
