// Puppeteer must not download its own Chrome: the tests use the system Chromium
// (see scripts/ensure-browser.mjs and tests/browser/browser.ts).
module.exports = { skipDownload: true };
