// The agent asks, in the real editor (code-server in Debian's chromium):
// "Ask Tandem" runs a task whose model calls `ask_user`; the question comes
// up as a quick pick titled with its header, the options described, and
// "Answer in your own words…"; the user picks "postgres", and the run goes
// on with that answer. Screenshots go to $SHOTS; the last line printed is
// a JSON result.
"use strict";
const path = require("path");
const { palette, quickOpen, run, transcriptLog } = require("./lib");

const shots = process.env.SHOTS;
const shot = (page, name) => page.screenshot({ path: path.join(shots, `vscode-questions-${name}.png`) });

run(async (page, { result, step }) => {
  const input = page.locator(".quick-input-widget input");
  await quickOpen(page, "src/shop.py");
  step("shop.py open");

  await palette(page, "Tandem: Ask Tandem");
  await page.locator(".quick-input-widget .quick-input-title", { hasText: "Ask Tandem" }).waitFor();
  await input.fill("Add a cache");
  await page.keyboard.press("Enter");

  const title = page.locator(".quick-input-widget .quick-input-title", { hasText: "Tandem asks (Database)" });
  await title.waitFor({ state: "visible", timeout: 60_000 });
  await page.waitForTimeout(300);
  result.title = (await title.textContent()).trim();
  result.placeholder = await input.getAttribute("placeholder");
  result.items = (await page.locator(".quick-input-widget .monaco-list-row").allTextContents()).map((t) =>
    t.replace(/\u00a0/g, " ").trim(),
  );
  await shot(page, "choice");
  step("the question is on screen");

  await input.fill("postgres");
  await page.keyboard.press("Enter");
  for (let i = 0; i < 300 && !/finished|done/.test(transcriptLog()); i++) await page.waitForTimeout(100);
  result.transcript = transcriptLog();
  step("answered; the run went on");
});
