/**
 * Where the engine gets WebGPU from. A page or a worker has it as navigator.gpu, which is the
 * default; Node has no navigator.gpu, and its runtime (scripts/lib/node-webgpu.ts, with Dawn from
 * the `webgpu` package) installs its own entry point here before the first session. The engine
 * asks only `gpuProvider()`, so the same modules run in Chromium and in Node.
 */

/** A source of WebGPU's entry point. */
export interface GpuProvider {
  /** Where the GPU object comes from, for messages, e.g. "navigator.gpu". */
  readonly name: string;
  /** What the user can do when it gives no adapter. */
  readonly remedy: string;
  /** The GPU object, or null where this runtime offers none. */
  gpu(): GPU | null;
}

/** The web platform's entry point, present in pages and workers of a browser with WebGPU enabled. */
const WEB_PLATFORM: GpuProvider = {
  name: 'navigator.gpu',
  remedy: 'use the CPU backend or a browser with WebGPU enabled',
  gpu: () => (typeof navigator !== 'undefined' && 'gpu' in navigator && navigator.gpu) || null,
};

let current: GpuProvider = WEB_PLATFORM;

/**
 * Makes `provider` the engine's source of WebGPU. A runtime without navigator.gpu calls this once,
 * before the first session: the device acquired from the previous source is kept until it is lost.
 */
export function setGpuProvider(provider: GpuProvider): void {
  current = provider;
}

/** The source of WebGPU the engine uses now. */
export function gpuProvider(): GpuProvider {
  return current;
}
