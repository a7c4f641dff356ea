// Makes sure the tests' GPU runtimes are available: a Chromium for the browser tests, and for the
// Node-runtime tests the system's Vulkan loader, through which Node's WebGPU (Dawn) reaches the
// SwiftShader driver that Chromium ships. On a Debian machine where either is missing and we are
// root, installs Debian's `chromium` or `libvulkan1` package (saying so); elsewhere explains what to
// do. Runs before `vitest` in `npm test`.
import { execFileSync, execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findBrowser, findVulkanDriver, BROWSER_ENV_VARS, VULKAN_DRIVER_ENV_VARS } from './find-browser.mjs';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const canInstall = process.platform === 'linux' && existsSync('/usr/bin/apt-get') && isRoot;

/** Whether the dynamic linker knows the Vulkan loader (Linux; elsewhere Dawn uses Metal or D3D12 and needs none). */
function hasVulkanLoader() {
  if (process.platform !== 'linux') return true;
  try {
    return execFileSync('ldconfig', ['-p'], { encoding: 'utf8' }).includes('libvulkan.so.1');
  } catch {
    return false;
  }
}

const packages = [];
if (!findBrowser()) packages.push({ name: 'chromium', why: 'No Chrome or Chromium found', flags: '' });
// Without recommends: they would add Mesa's Vulkan drivers, which Dawn cannot use here (lavapipe) and the tests never ask for.
if (!hasVulkanLoader()) packages.push({ name: 'libvulkan1', why: "No Vulkan loader (libvulkan.so.1) found for Node's WebGPU", flags: ' --no-install-recommends' });

if (packages.length > 0 && canInstall) {
  for (const { name, why } of packages) console.log(`${why}: installing Debian's ${name} package with apt-get (needs a minute).`);
  execSync('apt-get update -qq', { stdio: 'inherit' });
  for (const { name, flags } of packages) execSync(`DEBIAN_FRONTEND=noninteractive apt-get install -y -qq${flags} ${name}`, { stdio: 'inherit' });
}

const browser = findBrowser();
if (!browser) {
  console.error(
    `No Chrome or Chromium found for the browser tests.\n` +
      `Install Chrome or Chromium, or set ${BROWSER_ENV_VARS.join(' or ')} to its executable.\n` +
      (process.platform === 'linux' ? `On Debian or Ubuntu: sudo apt-get install chromium\n` : ''),
  );
  process.exit(1);
}
console.log(`browser for tests: ${browser}`);

if (!hasVulkanLoader()) {
  console.error(
    "No Vulkan loader (libvulkan.so.1) found: Node's WebGPU will find no adapter here, and the Node-runtime tests will fail.\n" +
      'On Debian or Ubuntu: sudo apt-get install --no-install-recommends libvulkan1\n',
  );
} else {
  const driver = findVulkanDriver();
  // Used only where Dawn's default backends find no GPU (scripts/lib/node-webgpu.ts).
  console.log(
    driver
      ? `Vulkan driver for Node's WebGPU where no GPU is found: ${driver}`
      : `No SwiftShader Vulkan driver found for Node's WebGPU: on a machine without a GPU, set ${VULKAN_DRIVER_ENV_VARS[0]} to a vk_swiftshader_icd.json.`,
  );
}
