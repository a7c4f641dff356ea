// Finds a Chrome or Chromium on this machine, and the SwiftShader Vulkan driver that Chromium
// ships (for Node's WebGPU on machines without a GPU): an environment variable first, then the
// usual system paths. Shared by the test setup, the headless scripts and ensure-browser.mjs.
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';

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
 * The Vulkan loader's variables naming driver manifests (a list, split like PATH), the older name
 * first; the loader reads whichever is set.
 */
export const VULKAN_DRIVER_ENV_VARS = ['VK_ICD_FILENAMES', 'VK_DRIVER_FILES'];

/** The manifest of SwiftShader's Vulkan driver, as Chromium and Chrome ship it beside their executable. */
const SWIFTSHADER_MANIFEST = 'vk_swiftshader_icd.json';

const DRIVER_DIRECTORIES = [
  '/usr/lib/chromium',
  '/usr/lib/chromium-browser',
  '/usr/lib64/chromium-browser',
  '/opt/google/chrome',
  '/snap/chromium/current/usr/lib/chromium-browser',
];

/**
 * Path of a Vulkan driver manifest for Node's WebGPU (Dawn), or null when none is found: the first
 * existing file named in VK_ICD_FILENAMES or VK_DRIVER_FILES, else SwiftShader's manifest beside
 * the browser findBrowser() finds, else in the usual install folders of Chromium and Chrome.
 */
export function findVulkanDriver() {
  for (const name of VULKAN_DRIVER_ENV_VARS) {
    const listed = (process.env[name] ?? '').split(process.platform === 'win32' ? ';' : ':');
    const existing = listed.find((path) => path !== '' && existsSync(path));
    if (existing) return existing;
  }
  const browser = findBrowser();
  // Debian's /usr/bin/chromium is a shell script, so the folder of its real path may hold no driver; the list below covers that.
  const besideBrowser = browser ? [dirname(realpathSync(browser))] : [];
  return [...besideBrowser, ...DRIVER_DIRECTORIES].map((folder) => join(folder, SWIFTSHADER_MANIFEST)).find((path) => existsSync(path)) ?? null;
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
