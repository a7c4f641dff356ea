/**
 * WebGPU in Node: Dawn, the implementation inside Chrome, from the optional package `webgpu`.
 * Loads the package, finds an adapter, installs WebGPU's globals (GPUBufferUsage, GPUShaderStage,
 * GPUMapMode, the error classes) and hands Dawn's GPU object to the engine (src/gpu/runtime.ts),
 * which then runs here exactly as it runs in a page.
 *
 * The adapter: Dawn's default backends first (a real GPU through Vulkan, Metal or D3D12); where
 * they find none, Vulkan with the SwiftShader driver that Chromium ships (a CPU implementation, as
 * in headless Chromium), found by scripts/find-browser.mjs and named to the Vulkan loader through
 * VK_ICD_FILENAMES. That needs the system's Vulkan loader (Debian: libvulkan1).
 */
import { createRequire } from 'node:module';
// @ts-expect-error: plain ES module shared with the tests and ensure-browser.mjs, no type declarations.
import { findVulkanDriver } from '../find-browser.mjs';
import { setGpuProvider } from '../../src/gpu/runtime';

/** The package, pinned in package.json's optionalDependencies. */
const PACKAGE = 'webgpu';

/** What the package exports. */
export interface WebGpuPackage {
  /** A new Dawn instance as WebGPU's GPU object; the options are Dawn's, e.g. "backend=vulkan". */
  create(options: string[]): GPU;
  /** WebGPU's interface objects and constants, which a page has as globals. */
  globals: object;
}

/** Node's WebGPU with an adapter, or why it cannot be used. */
export type NodeWebGpu =
  | {
      available: true;
      /** What runs the GPU work, e.g. "Dawn (webgpu 0.6.2), Vulkan with /usr/lib/chromium/vk_swiftshader_icd.json". */
      description: string;
      /** Milliseconds from loading the package to an adapter: what the Node runtime costs before a first session. */
      startMs: number;
    }
  | {
      available: false;
      /** One sentence saying why, e.g. "the optional package webgpu is not installed". */
      reason: string;
    };

/** Thrown when --runtime node was asked for and Node's WebGPU cannot be used; the message says why and what to do. */
export class RuntimeUnavailableError extends Error {
  override name = 'RuntimeUnavailableError';
}

/** Loads the package the way a missing optional dependency shows: by its name, resolved at run time. */
function importPackage(): Promise<WebGpuPackage> {
  const specifier: string = PACKAGE;
  return import(/* @vite-ignore */ specifier) as Promise<WebGpuPackage>;
}

/** The first line of an error's message. */
function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}

/** Why the package failed to load: not installed at all, or installed with a binary this machine cannot load. */
function loadFailure(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = firstLine(error);
  const notInstalled = (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && !message.includes('dawn.node');
  return notInstalled
    ? `the optional package ${PACKAGE} is not installed (\`npm install\` installs it where its binary exists)`
    : `the optional package ${PACKAGE} is installed but its binary did not load (${message})`;
}

/** The installed package's version, or null when its package.json cannot be read. */
function packageVersion(): string | null {
  try {
    return (createRequire(import.meta.url)(`${PACKAGE}/package.json`) as { version: string }).version;
  } catch {
    return null;
  }
}

/** Dawn's GPU object with an adapter, trying the default backends and then SwiftShader through Vulkan. */
async function findAdapter(webgpu: WebGpuPackage): Promise<{ gpu: GPU; backend: string } | { reason: string }> {
  const request = (gpu: GPU) => gpu.requestAdapter({ powerPreference: 'high-performance' });
  const defaultGpu = webgpu.create([]);
  if (await request(defaultGpu)) return { gpu: defaultGpu, backend: 'default backends' };
  const driver = findVulkanDriver() as string | null;
  if (!driver) {
    return {
      reason:
        "Dawn's default backends found no adapter, and no SwiftShader Vulkan driver was found " +
        '(set VK_ICD_FILENAMES to a vk_swiftshader_icd.json, or install chromium, which ships one)',
    };
  }
  // The Vulkan loader reads the variable when Dawn creates its Vulkan instance, which the next create() does.
  process.env.VK_ICD_FILENAMES = driver;
  const vulkanGpu = webgpu.create(['backend=vulkan']);
  if (await request(vulkanGpu)) return { gpu: vulkanGpu, backend: `Vulkan with ${driver}` };
  return {
    reason:
      `Dawn's default backends found no adapter, nor did Vulkan with the driver ${driver} ` +
      "(is the system's Vulkan loader installed? On Debian: apt-get install libvulkan1)",
  };
}

/**
 * Loads `webgpu` (through `load`, which tests replace to simulate a machine without it) and finds an
 * adapter; on success installs WebGPU's globals and makes Dawn the engine's source of WebGPU.
 */
export async function openNodeWebGpu(load: () => Promise<WebGpuPackage> = importPackage): Promise<NodeWebGpu> {
  const start = performance.now();
  let webgpu: WebGpuPackage;
  try {
    webgpu = await load();
  } catch (error) {
    return { available: false, reason: loadFailure(error) };
  }
  let found: Awaited<ReturnType<typeof findAdapter>>;
  try {
    found = await findAdapter(webgpu);
  } catch (error) {
    return { available: false, reason: `Dawn failed while looking for an adapter (${firstLine(error)})` };
  }
  if ('reason' in found) return { available: false, reason: found.reason };
  // Only what the page has and Node lacks: Node's own globals stay as they are.
  for (const [name, value] of Object.entries(webgpu.globals)) {
    if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, writable: true, configurable: true });
  }
  const startMs = performance.now() - start;
  const { gpu } = found;
  setGpuProvider({
    name: "Node's webgpu package (Dawn)",
    remedy: "use the CPU backend or --runtime chromium; the README's Node runtime section says what Dawn needs",
    gpu: () => gpu,
  });
  const version = packageVersion();
  return { available: true, description: `Dawn (${PACKAGE}${version ? ` ${version}` : ''}), ${found.backend}`, startMs };
}

let shared: Promise<NodeWebGpu> | null = null;

/** Node's WebGPU for this process: loaded and set up on the first call, the same answer after. */
export function loadNodeWebGpu(): Promise<NodeWebGpu> {
  shared ??= openNodeWebGpu();
  return shared;
}
