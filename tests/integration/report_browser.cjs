// Opens the coverage report's HTML file in headless Chromium (playwright-core, installed by
// tools/scripts/setup.sh into the build tree) with the network cut off, checks that its charts
// render, takes a screenshot on screen and one with print styles, and prints what it saw as
// one JSON line for report_browser_test.cc to judge.
//   node report_browser.cjs CHROMIUM REPORT.html SCREENSHOT.png PRINT.png
"use strict";
const { chromium } = require("playwright-core");

(async () => {
  const [chromiumPath, html, screenshot, printShot] = process.argv.slice(2);
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox"] });
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const requests = [];
  // Offline: any request that is not the file itself fails and is reported.
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("file://")) return route.continue();
    requests.push(url);
    return route.abort();
  });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto("file://" + html, { waitUntil: "load" });
  const seen = await page.evaluate(() => {
    const charts = [...document.querySelectorAll("svg.chart")];
    return {
      title: document.title,
      charts: charts.length,
      rendered: charts.filter((c) => c.getBoundingClientRect().width > 100).length,
      bars: document.querySelectorAll("svg.chart rect.bar").length,
      chartTitles: charts.map((c) => c.getAttribute("aria-label")),
      sections: [...document.querySelectorAll("h2")].map((h) => h.textContent),
    };
  });
  await page.screenshot({ path: screenshot, fullPage: true });
  await page.emulateMedia({ media: "print" });
  await page.screenshot({ path: printShot, fullPage: true });
  await browser.close();
  console.log(JSON.stringify({ ...seen, requests, errors }));
})().catch((e) => {
  console.error(String(e && e.stack || e));
  process.exit(1);
});
