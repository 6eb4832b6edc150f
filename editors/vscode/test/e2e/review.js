// The review scenario in the real editor (code-server in Debian's
// chromium): "Ask Tandem" proposes three files (an insertion in shop.py,
// two replacements in util.py, a new tax.py) and runs a command. The test
// reads the proposed added text in the editor before any click, accepts the
// insertion and rejects a replacement from where they are drawn, accepts
// the new file from the review list, reads the command's output and exit
// code in the run's view, runs a background task and checks that "Accept
// all" of the runs leaves the task's file alone, then opens the task's own
// group. Screenshots go to $SHOTS; the last line printed is a JSON result.
"use strict";
const fs = require("fs");
const path = require("path");
const { editorText, lensTitles, palette, panelText, quickOpen, run } = require("./lib");

const workspace = process.env.WORKSPACE;
const shots = process.env.SHOTS;
const shot = (page, name) => page.screenshot({ path: path.join(shots, `vscode-review-${name}.png`) });

/** The zone (comment thread) of the hunk whose text includes `text`. */
const zone = (page, text) => page.locator(".review-widget").filter({ hasText: text }).first();

/** Click the action titled `title` in a hunk's zone. */
async function zoneAction(page, text, title) {
  const z = zone(page, text);
  await z.waitFor({ state: "visible", timeout: 60_000 });
  const action = z.locator(`.head .action-label[aria-label="${title}"], .head a.action-label:text-is("${title}")`).first();
  await action.click();
}

async function treeRows(page) {
  return page.$$eval(".pane-body .monaco-list-row", (rows) =>
    rows.map((r) => r.textContent.replace(/\u00a0/g, " ").trim()).filter(Boolean),
  );
}

async function untilOnDisk(page, rel, want) {
  const file = path.join(workspace, rel);
  for (let i = 0; i < 150; i++) {
    if (fs.existsSync(file) && fs.readFileSync(file, "utf8") === want) return;
    await page.waitForTimeout(100);
  }
  throw new Error(`${rel} on disk is ${fs.existsSync(file) ? JSON.stringify(fs.readFileSync(file, "utf8")) : "missing"}`);
}

run(async (page, { result, step }) => {
  const input = page.locator(".quick-input-widget input");
  const editor = page.locator(".editor-instance .monaco-editor").first();
  await quickOpen(page, "src/shop.py");
  step("shop.py open");

  await palette(page, "Tandem: Ask Tandem");
  await page.locator(".quick-input-widget .quick-input-title", { hasText: "Ask Tandem" }).waitFor();
  await input.fill("Add tax to the shop");
  await page.keyboard.press("Enter");

  // Before any click: the added function is drawn in the user's editor,
  // below the line it follows, with its own Accept / Reject.
  await zone(page, "def total_with_tax").waitFor({ state: "visible", timeout: 60_000 });
  await page.waitForTimeout(300);
  result.inline = await page.$$eval(".review-widget", (ws) => ws.map((w) => w.innerText.trim()));
  result.shopBefore = await editorText(page, ".editor-instance .monaco-editor");
  await shot(page, "inline-insertion");
  step("the proposed insertion is on screen");

  await zoneAction(page, "def total_with_tax", "Accept");
  await page.waitForFunction(
    () => document.querySelector(".editor-instance .monaco-editor .view-lines")?.textContent.includes("total_with_tax"),
    null,
    { timeout: 30_000 },
  );
  result.shopAfter = await editorText(page, ".editor-instance .monaco-editor");
  step("insertion accepted from its zone");

  // util.py: two replacements, the old lines struck through, the new ones
  // below them; the first is rejected where it is drawn.
  await quickOpen(page, "src/util.py");
  await zone(page, "round(x + 0.0, 2)").waitFor({ state: "visible", timeout: 30_000 });
  await zone(page, "name.strip().title()").waitFor({ state: "visible" });
  await page.waitForTimeout(300);
  result.struck = await editor.locator(".view-lines [class*='ced-']").count();
  await shot(page, "inline-replacement");
  step("replacements drawn");
  await zoneAction(page, "round(x + 0.0, 2)", "Reject");
  await zone(page, "round(x + 0.0, 2)").waitFor({ state: "detached", timeout: 30_000 });
  result.utilAfterReject = await editorText(page, ".editor-instance .monaco-editor");
  step("replacement rejected from its zone");

  // The review list: Tandem's view in the activity bar.
  // The item, not its link: the badge (a sibling of the link) covers part of it.
  await page.locator(".activitybar .action-item", { has: page.locator("a[aria-label^='Tandem']") }).first().click();
  await page.locator(".pane-body .monaco-list-row", { hasText: "src/tax.py" }).first().waitFor();
  await page.waitForTimeout(300);
  result.tree = await treeRows(page);
  result.badge = (await page.locator(".activitybar .action-item a[aria-label^='Tandem'] ~ .badge").first().textContent().catch(() => "")).trim();
  await shot(page, "changes-view");
  step("review list shown");

  // The new file, opened from the list before it exists, accepted from its lens.
  await page.locator(".pane-body .monaco-list-row", { hasText: "src/tax.py" }).first().click();
  await page.locator(".codelens-decoration a", { hasText: "Accept new file" }).first().waitFor({ timeout: 30_000 });
  result.newFileLenses = await lensTitles(page);
  result.newFileText = await editorText(page, ".editor-instance .monaco-editor");
  await shot(page, "new-file");
  await page.locator(".codelens-decoration a", { hasText: "Accept new file" }).first().click();
  await untilOnDisk(page, "src/tax.py", process.env.TAX_PY);
  step("new file accepted, on disk with its content");

  // The run's view: the command with its output and exit code.
  await palette(page, "Tandem: Show transcript");
  await page.waitForFunction(
    () =>
      [...document.querySelectorAll(".part.panel .monaco-editor .view-lines")].some((v) =>
        v.textContent.replace(/\u00a0/g, " ").includes("exit 1"),
      ),
    null,
    { timeout: 30_000 },
  );
  result.transcript = await panelText(page);
  await shot(page, "run-view");
  step("command output and exit code in the run's view");

  // A background task, then "Accept all" of the runs.
  await palette(page, "Tandem: Run as background task");
  await page.locator(".quick-input-widget .quick-input-title", { hasText: "background" }).waitFor();
  await input.fill("Write the changelog");
  await page.keyboard.press("Enter");
  const done = page.locator(".notification-toast", { hasText: "is done" }).first();
  await done.waitFor({ timeout: 90_000 });
  result.doneToast = (await done.innerText()).trim();
  await shot(page, "task-done");
  step("task done notification");

  // The task's result in its own group, from the done notification.
  await done.locator(".monaco-button", { hasText: "Review" }).click();
  await page.locator(".pane-body .monaco-list-row", { hasText: "CHANGELOG.md" }).first().waitFor({ timeout: 30_000 });
  await page.waitForTimeout(300);
  result.treeTask = await treeRows(page);
  await shot(page, "task-group");
  step("task opened in its own group");

  // "Accept all" of the runs: util.py's last hunk, not the task's file.
  await palette(page, "Tandem: Accept all");
  await page.waitForFunction(
    () =>
      [...document.querySelectorAll(".editor-instance .monaco-editor .view-lines")].some((v) =>
        v.textContent.replace(/\u00a0/g, " ").includes("name.strip().title()"),
      ) || document.querySelector(".pane-body")?.textContent.includes("Runs in this editor") === false,
    null,
    { timeout: 30_000 },
  );
  await page.waitForTimeout(500);
  result.changelogAfterAcceptAll = fs.existsSync(path.join(workspace, "CHANGELOG.md"));
  result.treeAfterAcceptAll = await treeRows(page);
  await shot(page, "after-accept-all");
  step("accept all of the runs; the task's file untouched");
});
