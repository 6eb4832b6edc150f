// The scenario in the real editor (code-server in Debian's chromium):
// open a JSON file with a syntax error, pick "Fix with Tandem" from the
// lightbulb, wait for the code lenses over the proposed hunks, click Accept
// on the first hunk, save, open the diff of the remaining one. Screenshots
// go to $SHOTS; the last line printed is a JSON result.
"use strict";
const fs = require("fs");
const path = require("path");
const { lensTitles, editorText, palette, run } = require("./lib");

const workspace = process.env.WORKSPACE;
const shots = process.env.SHOTS;
const FILE = "config/greetings.json";

run(async (page, { result, step }) => {
  // Open the file with quick open.
  await page.keyboard.press("Control+P");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible" });
  await input.fill(FILE);
  await page.locator(".quick-input-list .monaco-list-row").first().waitFor();
  await page.keyboard.press("Enter");
  const editor = page.locator(".editor-instance .monaco-editor").first();
  await editor.locator(".view-lines").first().waitFor();
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
  await editor.locator(".view-lines").first().click();
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
  await editor.locator(".view-lines").first().click();
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
});
