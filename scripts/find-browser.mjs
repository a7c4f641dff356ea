// Finds a Chrome or Chromium on this machine: an environment variable first, then the usual
// system paths. Shared by the test setup, the headless scripts and ensure-browser.mjs.
import { existsSync } from 'node:fs';

export const BROWSER_ENV_VARS = ['PUPPETEER_EXECUTABLE_PATH', 'CHROME_PATH'];

const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome-stable',
  '/usr/bin/google-chrome',
  '/snap/bin/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
];

/** Path of a browser to drive, or null when none is found. */
export function findBrowser() {
  for (const name of BROWSER_ENV_VARS) {
    const path = process.env[name];
    if (path && existsSync(path)) return path;
  }
  return CANDIDATES.find((path) => existsSync(path)) ?? null;
}

/**
 * Flags for headless Chromium with WebGPU. On a machine without a GPU, Chromium falls back to
 * SwiftShader, a CPU implementation of Vulkan, so WebGPU still works (slowly, but exactly enough
 * for correctness tests). The network flags keep Chromium from calling home on a closed network.
 */
export const BROWSER_ARGS = [
  '--enable-unsafe-webgpu',
  '--no-sandbox',
  '--disable-gpu-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];
