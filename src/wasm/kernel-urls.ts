/**
 * Where a page finds the kernel binaries (built by scripts/build-wasm.mjs): Vite serves them in
 * development and copies them, with hashed names, into the production build. Node reads the files
 * themselves (scripts/lib/runners.ts), so only page code imports this.
 */
import singleThreadUrl from '../../asm/build/products.wasm?url';
import sharedMemoryUrl from '../../asm/build/products-shared.wasm?url';
import type { KernelBinary } from './kernels';

/** The URL of each kernel binary. */
const KERNEL_URLS: Readonly<Record<KernelBinary, string>> = {
  'single-thread': singleThreadUrl,
  'shared-memory': sharedMemoryUrl,
};

/** Fetches and compiles one kernel binary; rejects naming the URL when it cannot be loaded. */
export async function fetchKernelModule(binary: KernelBinary): Promise<WebAssembly.Module> {
  // Resolved against this module, not the worker's own address: a worker started from a blob: URL
  // (as a wrapper around the real script is) has no base a root-relative path could resolve against.
  const url = new URL(KERNEL_URLS[binary], import.meta.url).href;
  const response = await fetch(url);
  if (!response.ok) throw new Error(`the WebAssembly kernels at ${url} could not be loaded (HTTP ${response.status}); build them with \`npm run build\``);
  return WebAssembly.compile(await response.arrayBuffer());
}
