// Drives the web timeline page of `agentwatch serve` in headless Chromium (playwright-core):
// load it, pick an agent, show its actions, click one that carries an alert, and read what the
// detail panel says (its alerts and the registry state at that moment). Prints one JSON line
// for serve_browser_test.cc to judge and saves a screenshot.
//   node serve_browser.cjs CHROMIUM BASE_URL AGENT EVENT_KEY EVENT_TS SCREENSHOT.png
"use strict";
const { chromium } = require("playwright-core");

(async () => {
  const [chromiumPath, base, agent, key, ts, screenshot] = process.argv.slice(2);
  const around = (minutes) => new Date(Date.parse(ts) + minutes * 60000).toISOString();
  const target = `circle.ev.alerted[data-key="${key}"]`;
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox"] });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  const foreign = [];
  page.on("request", (r) => { if (!r.url().startsWith(base)) foreign.push(r.url()); });
  await page.goto(base + "/", { waitUntil: "load" });
  // The agent list comes from /api/v1/agents.
  await page.waitForFunction((id) => [...document.querySelectorAll("#agents option")]
    .some((o) => o.value === id), agent, { timeout: 10000 });
  await page.selectOption("#kind", "agent");
  await page.fill("#value", agent);
  // The hour around the alerted action, through the time-range filter.
  await page.fill("#from", around(-30));
  await page.fill("#to", around(30));
  await page.click("#show");
  await page.waitForSelector("circle.ev", { timeout: 10000 });
  const axis = await page.evaluate(() => ({
    events: document.querySelectorAll("circle.ev").length,
    alerted: document.querySelectorAll("circle.ev.alerted").length,
    rows: document.querySelectorAll("#rows tr").length,
    status: document.getElementById("status").textContent,
    from: document.getElementById("from").value,
  }));
  await page.click(target);
  await page.waitForSelector("#detail-body:not([hidden])", { timeout: 10000 });
  await page.waitForFunction(() => document.getElementById("detail-record").textContent.length > 0);
  const detail = await page.evaluate(() => ({
    selected: document.querySelectorAll("circle.ev.selected").length,
    fields: document.getElementById("detail-fields").innerText,
    alerts: document.getElementById("detail-alerts").innerText,
    registry: document.getElementById("detail-registry").innerText,
    record: document.getElementById("detail-record").textContent,
  }));
  // A class filter narrows the axis.
  await page.uncheck('.classbox[value="read"]');
  await page.click("#show");
  await page.waitForFunction(() => !document.getElementById("status").textContent.startsWith("Loading"));
  const filtered = await page.evaluate(() => ({
    status: document.getElementById("status").textContent,
    classes: [...document.querySelectorAll("#rows tr td:nth-child(2)")].map((td) => td.textContent),
  }));
  await page.check('.classbox[value="read"]');
  await page.click("#show");
  await page.waitForSelector(target);
  await page.click(target);
  await page.waitForSelector("#detail-body:not([hidden])");
  await page.screenshot({ path: screenshot, fullPage: true });
  await browser.close();
  console.log(JSON.stringify({ axis, detail, filtered, errors, foreign }));
})().catch((e) => {
  console.error(String(e && e.stack || e));
  process.exit(1);
});
