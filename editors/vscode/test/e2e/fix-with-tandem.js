// The scenario in the real editor (code-server in Debian's chromium):
// open a JSON file with a syntax error, pick "Fix with Tandem" from the
// lightbulb, wait for the code lenses over the proposed hunks, click Accept
// on the first hunk, save, open the diff of the remaining one. Screenshots
// go to $SHOTS; the last line printed is a JSON result.
"use strict";
const fs = require("fs");
const path = require("path");
const { chromium } = require("playwright-core");

const url = process.env.CS_URL;
const workspace = process.env.WORKSPACE;
const shots = process.env.SHOTS;
const FILE = "config/greetings.json";
const result = { ok: false, steps: [], timings: {} };
const t0 = Date.now();

function step(name) {
  result.steps.push(name);
  result.timings[name] = Date.now() - t0;
  process.stderr.write(`[scenario ${((Date.now() - t0) / 1000).toFixed(1)}s] ${name}\n`);
}

async function lensTitles(page) {
  return page.$$eval(".codelens-decoration a, .codelens-decoration span", (els) =>
    els.map((e) => e.textContent.trim()).filter((t) => t && t !== "|"),
  );
}

/** The text of the visible (small) editor, from its rendered lines in order. */
async function editorText(page, root) {
  return page.$eval(root, (el) => {
    const lines = [...el.querySelectorAll(".view-lines .view-line")];
    lines.sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top));
    return lines.map((l) => l.textContent.replace(/\u00a0/g, " ")).join("\n");
  });
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

async function main() {
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
    await page.goto(url);
    await page.locator(".monaco-workbench").waitFor();
    await page.locator(".statusbar-item", { hasText: "Tandem" }).first().waitFor({ timeout: 60_000 });
    step("workbench ready, extension active");

    // Open the file with quick open.
    await page.keyboard.press("Control+P");
    const input = page.locator(".quick-input-widget input");
    await input.waitFor({ state: "visible" });
    await input.fill(FILE);
    await page.locator(".quick-input-list .monaco-list-row").first().waitFor();
    await page.keyboard.press("Enter");
    const editor = page.locator(".editor-instance .monaco-editor").first();
    await editor.locator(".view-lines").waitFor();
    await editor.locator(".squiggly-error").first().waitFor({ timeout: 60_000 });
    step("file open, the JSON error is underlined");

    // Cursor onto the error; the lightbulb offers "Fix with Tandem". The
    // editor asks for code actions when the cursor moves: if Tandem's server
    // was still starting then, move off and back until the lightbulb shows
    // (a poll with a deadline, not a sleep).
    const goTo = async (where) => {
      await page.keyboard.press("Control+G");
      await input.waitFor({ state: "visible" });
      await input.fill(where);
      await page.keyboard.press("Enter");
    };
    const bulb = page.locator(".lightBulbWidget").first();
    const bulbDeadline = Date.now() + 60_000;
    for (;;) {
      await goTo(":4:3");
      try {
        await bulb.waitFor({ state: "visible", timeout: 5_000 });
        break;
      } catch (e) {
        if (Date.now() > bulbDeadline) throw e;
        await goTo(":1:1");
      }
    }
    step("lightbulb shown");
    await bulb.click();
    const menu = page.locator(".action-widget");
    await menu.waitFor({ state: "visible" });
    result.quickFixes = (await menu.locator(".monaco-list-row").allTextContents()).map((t) => t.trim());
    // The menu's pointer guard swallows clicks right after it opens: pick
    // the entry with the keyboard, as its "Enter to Apply" says.
    for (let i = 0; i < result.quickFixes.length; i++) {
      const focused = await menu.locator(".monaco-list-row.focused").getAttribute("aria-label");
      if (focused && focused.startsWith("Fix with Tandem")) break;
      await page.keyboard.press("ArrowDown");
    }
    await page.keyboard.press("Enter");
    step("picked Fix with Tandem");

    // The run proposes two hunks: code lenses over each.
    await page.waitForFunction(
      () => [...document.querySelectorAll(".codelens-decoration a")].filter((a) => a.textContent.trim() === "Accept").length >= 2,
      null,
      { timeout: 60_000 },
    );
    await page.waitForTimeout(500); // let the lenses settle before the picture
    result.lensesBefore = await lensTitles(page);
    result.deletionMarks = await page.locator(".editor-instance .monaco-editor [class*='ced-']").count();
    result.statusBar = (await page.locator(".statusbar-item", { hasText: "Tandem" }).first().textContent()).trim();
    await page.screenshot({ path: path.join(shots, "vscode-code-lens.png") });
    step("code lenses shown");

    // Accept the first hunk (the topmost "Accept" lens), then save. Clicked
    // where it is on screen: VS Code may redraw the lenses in another DOM
    // order at any time, so "the first Accept element" can be the lower one.
    const topAccept = await page.evaluate(() => {
      const boxes = [...document.querySelectorAll(".codelens-decoration a")]
        .filter((a) => a.textContent.trim() === "Accept")
        .map((a) => a.getBoundingClientRect())
        .filter((r) => r.height > 0)
        .sort((a, b) => a.top - b.top);
      const r = boxes[0];
      return r && { x: r.left + r.width / 2, y: r.top + r.height / 2 };
    });
    if (!topAccept) throw new Error("no Accept lens on screen");
    await page.mouse.click(topAccept.x, topAccept.y);
    await page.waitForFunction(
      () => [...document.querySelectorAll(".codelens-decoration a")].filter((a) => a.textContent.trim() === "Accept").length === 1,
      null,
      { timeout: 30_000 },
    );
    // The file's lens counts the reviewed hunk once the server redraws (a
    // lens without a command is a span, not a link).
    await page
      .locator(".codelens-decoration span", { hasText: "1 of 2 hunks" })
      .first()
      .waitFor({ timeout: 10_000 })
      .catch(() => undefined);
    result.lensesAfter = await lensTitles(page);
    result.editorAfterAccept = await editorText(page, ".editor-instance .monaco-editor");
    if (!result.editorAfterAccept.includes(`"Grace"],`)) {
      throw new Error(`the first hunk (the comma) is not in the buffer after Accept:\n${result.editorAfterAccept}`);
    }
    step("first hunk accepted");
    const onDisk = path.join(workspace, FILE);
    const before = fs.readFileSync(onDisk, "utf8");
    await editor.locator(".view-lines").click();
    await page.keyboard.press("Control+S");
    for (let i = 0; i < 100 && fs.readFileSync(onDisk, "utf8") === before; i++) await page.waitForTimeout(100);
    step("saved");

    // "Diff" on the remaining hunk opens the file against the proposal.
    await page.locator(".codelens-decoration a", { hasText: /^Diff$/ }).first().click();
    const diff = page.locator(".monaco-diff-editor").first();
    await diff.waitFor({ state: "visible" });
    await diff.locator(".editor.modified .view-lines").waitFor();
    await page.waitForFunction(
      () => {
        const m = document.querySelector(".monaco-diff-editor .editor.modified .view-lines");
        return m && m.textContent.includes("friendly");
      },
      null,
      { timeout: 30_000 },
    );
    await page.waitForTimeout(500);
    result.diffTab = (await page.locator(".tabs-container .tab.active").first().textContent()).trim();
    result.diffModified = await editorText(page, ".monaco-diff-editor .editor.modified");
    result.diffOriginal = await editorText(page, ".monaco-diff-editor .editor.original");
    await page.screenshot({ path: path.join(shots, "vscode-diff.png") });
    step("diff view shown");

    // "Review changes" from the palette: every touched file's diff.
    await palette(page, "Tandem: Review changes");
    await page.waitForFunction(
      () => [...document.querySelectorAll(".tabs-container .tab")].some((t) => t.textContent.trim().startsWith("Tandem's proposal")),
      null,
      { timeout: 30_000 },
    );
    result.tabs = (await page.locator(".tabs-container .tab").allTextContents()).map((t) => t.trim());
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.join(shots, "vscode-review-changes.png") });
    step("review changes shown");

    // "Tandem: Ask Tandem" from the palette, on a selected line.
    await page.locator(".tabs-container .tab").first().click();
    await editor.locator(".view-lines").click();
    await page.keyboard.press("Control+G");
    await input.waitFor({ state: "visible" });
    await input.fill(":2");
    await page.keyboard.press("Enter");
    await page.keyboard.press("Home");
    await page.keyboard.press("Shift+End");
    await palette(page, "Tandem: Ask Tandem");
    const ask = page.locator(".quick-input-widget .quick-input-title", { hasText: "Ask Tandem" });
    await ask.waitFor({ state: "visible" });
    // Fill the box itself rather than type at the focus, which may not have
    // moved into the box yet.
    await input.fill("Make the greeting formal");
    await page.keyboard.press("Enter");
    // Its command asks (an ask rule): a modal dialog, answered by a click.
    const dialog = page.locator(".monaco-dialog-box");
    await dialog.waitFor({ state: "visible", timeout: 60_000 });
    await page.waitForTimeout(300);
    result.approval = (await dialog.innerText()).trim();
    // The focused button, the one a stray Enter would press.
    result.approvalDefault = await page.evaluate(() => (document.activeElement ? document.activeElement.textContent.trim() : ""));
    await page.screenshot({ path: path.join(shots, "vscode-approval.png") });
    await dialog.locator(".dialog-buttons .monaco-button", { hasText: "Allow once" }).click();
    step("approval answered in the modal dialog");
    await page.waitForFunction(
      () => [...document.querySelectorAll(".codelens-decoration a")].filter((a) => a.textContent.trim() === "Accept").length === 2,
      null,
      { timeout: 60_000 },
    );
    result.lensesAfterAsk = await lensTitles(page);
    step("Ask Tandem proposed a second hunk");

    // The transcript in the output channel.
    await palette(page, "Tandem: Show transcript");
    await page.waitForFunction(
      () => {
        const v = document.querySelector(".part.panel .monaco-editor .view-lines");
        return v && v.textContent.replace(/\u00a0/g, " ").includes("run 2 finished");
      },
      null,
      { timeout: 30_000 },
    );
    result.transcript = await editorText(page, ".part.panel .monaco-editor");
    result.statusBarAfterAsk = (await page.locator(".statusbar-item", { hasText: "Tandem" }).first().textContent()).trim();
    await page.screenshot({ path: path.join(shots, "vscode-ask-transcript.png") });
    step("transcript shown");
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
          statusBar: (await pages[0].locator(".statusbar-item", { hasText: "Tandem" }).allTextContents()).map((t) => t.trim()),
          transcript: transcriptLog(),
        };
        await pages[0].screenshot({ path: path.join(shots, "vscode-failure.png") });
      }
    } catch {}
  } finally {
    await browser.close();
  }
  result.timings.total = Date.now() - t0;
  console.log(JSON.stringify(result));
  process.exit(result.ok ? 0 : 1);
}

main();
