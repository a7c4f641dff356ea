/**
 * Acquiring the WebGPU device: one device shared by every trainer of the page (never one per step),
 * requested with the adapter's full buffer limits, and the fan-out of its asynchronous errors
 * (device loss, uncaptured validation and out-of-memory errors) to whoever listens.
 */
import { PipelineCache } from './kernels';
import { gpuProvider } from './runtime';

/** What the engine runs on, for the UI, run files and the test logs. */
export interface GpuAdapterReport {
  /** Vendor, e.g. "google" for SwiftShader. */
  vendor: string;
  /** Architecture, e.g. "swiftshader". */
  architecture: string;
  /** Device name where the runtime reveals it. */
  device: string;
  /** Free-text description where the runtime reveals it. */
  description: string;
  /** True for a CPU implementation (SwiftShader) or a fallback adapter as the runtime declares it. */
  isCpuAdapter: boolean;
}

/** A failure reported by the GPU after the call that caused it returned. */
export interface GpuFailure {
  /** 'device-lost': the device is gone and must be re-created; the others are uncaptured errors. */
  kind: 'device-lost' | 'validation' | 'out-of-memory' | 'internal';
  /** The browser's message, with what was being done when known. */
  message: string;
}

/** The shared device with its pipeline cache and error listeners. */
export interface GpuContext {
  /** The adapter the device came from. */
  adapter: GPUAdapter;
  /** The device every trainer uses. */
  device: GPUDevice;
  /** What the adapter is. */
  report: GpuAdapterReport;
  /** Pipelines compiled on this device. */
  pipelines: PipelineCache;
  /** Called with every asynchronous failure of the device. */
  failureListeners: Set<(failure: GpuFailure) => void>;
  /** Set once the device is lost; a lost context is never handed out again. */
  lost: boolean;
}

function adapterReport(adapter: GPUAdapter): GpuAdapterReport {
  const info = adapter.info;
  const architecture = info.architecture ?? '';
  const description = info.description ?? '';
  const fallback = (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  return {
    vendor: info.vendor ?? '',
    architecture,
    device: info.device ?? '',
    description,
    isCpuAdapter: fallback || /swiftshader|llvmpipe|lavapipe|warp|software/i.test(`${architecture} ${description}`),
  };
}

/** The adapter, or null when this runtime offers no WebGPU. */
async function requestAdapter(): Promise<GPUAdapter | null> {
  const gpu = gpuProvider().gpu();
  return gpu ? gpu.requestAdapter({ powerPreference: 'high-performance' }) : null;
}

/** What WebGPU adapter this runtime offers, or null when it offers none. */
export async function describeGpuAdapter(): Promise<GpuAdapterReport | null> {
  const adapter = await requestAdapter();
  return adapter ? adapterReport(adapter) : null;
}

/** The context handed out to every trainer, until its device is lost. */
let sharedContext: Promise<GpuContext> | null = null;
/** The context `sharedContext` resolved to, so a loss of an older device does not drop a newer one. */
let currentContext: GpuContext | null = null;

async function createContext(): Promise<GpuContext> {
  const adapter = await requestAdapter();
  if (!adapter) {
    const { name, remedy } = gpuProvider();
    throw new Error(`WebGPU is not available here (${name} gave no adapter); ${remedy}`);
  }
  // The defaults (128 MiB per binding, 256 MiB per buffer) are far below what adapters offer; ask for all of it.
  // Timestamp queries where the adapter offers them: the autotuner times products with them (src/gpu/product-timer.ts).
  const device = await adapter.requestDevice({
    label: 'mlp trainer',
    requiredFeatures: adapter.features.has('timestamp-query') ? ['timestamp-query'] : [],
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
    },
  });
  const context: GpuContext = {
    adapter,
    device,
    report: adapterReport(adapter),
    pipelines: new PipelineCache(device),
    failureListeners: new Set(),
    lost: false,
  };
  const notify = (failure: GpuFailure): void => {
    if (context.failureListeners.size === 0) console.error(`WebGPU ${failure.kind}: ${failure.message}`);
    for (const listener of context.failureListeners) listener(failure);
  };
  device.onuncapturederror = (event) => {
    const { error } = event;
    const kind = error instanceof GPUOutOfMemoryError ? 'out-of-memory' : error instanceof GPUValidationError ? 'validation' : 'internal';
    notify({ kind, message: error.message });
  };
  void device.lost.then((info) => {
    context.lost = true;
    if (sharedContext && context === currentContext) sharedContext = null;
    notify({ kind: 'device-lost', message: `the GPU device was lost (${info.reason}): ${info.message}` });
  });
  currentContext = context;
  return context;
}

/**
 * Subscribes a trainer to its context's failures: `onLost` hears a device loss (the trainer then
 * refuses further work); every failure goes to `onFailure`, or to the console when there is none.
 * Returns the listener, which the trainer removes from context.failureListeners when it is disposed
 * and may call itself with a failure it finds on its own (a readback that fails).
 */
export function listenForFailures(context: GpuContext, onLost: (failure: GpuFailure) => void, onFailure: ((failure: GpuFailure) => void) | undefined): (failure: GpuFailure) => void {
  const listener = (failure: GpuFailure): void => {
    if (failure.kind === 'device-lost') onLost(failure);
    if (onFailure) onFailure(failure);
    else console.error(`WebGPU ${failure.kind}: ${failure.message}`);
  };
  context.failureListeners.add(listener);
  return listener;
}

/** The shared GPU context, created on first use and again after a device loss. */
export function acquireGpu(): Promise<GpuContext> {
  if (!sharedContext) {
    sharedContext = createContext();
    sharedContext.catch(() => {
      sharedContext = null;
    });
  }
  return sharedContext;
}
