// Makes sure a Chromium is available for the browser tests. On a Debian machine where none is
// found and we are root, installs Debian's `chromium` package (saying so); elsewhere explains what
// to do. Runs before `vitest` in `npm test`.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findBrowser, BROWSER_ENV_VARS } from './find-browser.mjs';

const found = findBrowser();
if (found) {
  console.log(`browser for tests: ${found}`);
  process.exit(0);
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (process.platform === 'linux' && existsSync('/usr/bin/apt-get') && isRoot) {
  console.log("No Chrome or Chromium found: installing Debian's chromium package with apt-get (needs a minute).");
  execSync('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium', { stdio: 'inherit' });
  const installed = findBrowser();
  if (installed) {
    console.log(`browser for tests: ${installed}`);
    process.exit(0);
  }
}
console.error(
  `No Chrome or Chromium found for the browser tests.\n` +
    `Install Chrome or Chromium, or set ${BROWSER_ENV_VARS.join(' or ')} to its executable.\n` +
    (process.platform === 'linux' ? `On Debian or Ubuntu: sudo apt-get install chromium\n` : ''),
);
process.exit(1);
