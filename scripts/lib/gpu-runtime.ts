/**
 * Where a headless script's GPU runs happen (`--runtime node|chromium|auto`): in this Node process
 * on Node's WebGPU (Dawn), or in a page of headless Chromium. Every GPU run says on standard error
 * which runtime and adapter it ran on; its run record says the same.
 */
import type { Dataset } from '../../src/model/dataset';
import type { SelfCheckReport } from '../../src/train/self-check';
import { oneOf, option } from './args';
import { launchHeadless, type HeadlessBrowser } from './browser';
import type { ScriptHost } from './host';
import { loadNodeWebGpu, RuntimeUnavailableError, type NodeWebGpu } from './node-webgpu';
import { FileTuningStore, tuningCachePath } from './tuning-file';
import { adapterOrWhyNot, type CheckRequest } from './gpu-run';
import { checkInPage, checkOnNodeGpu, gpuRunner, runOnNodeGpu } from './runners';
import type { RunProgress, RunRecord, RunRequest } from './run-session';

/** The values of --runtime. */
export const RUNTIME_CHOICES = ['node', 'chromium', 'auto'] as const;

/** What --runtime asks for. */
export type RuntimeChoice = (typeof RUNTIME_CHOICES)[number];

/** Where GPU runs happen once 'auto' is decided. */
export type GpuRuntime = Exclude<RuntimeChoice, 'auto'>;

/** The runtime decided: node, with what runs its GPU work, or chromium. */
export type ResolvedRuntime =
  | {
      runtime: 'node';
      /** Dawn, its version and backend, e.g. "Dawn (webgpu 0.6.2), default backends". */
      description: string;
    }
  | { runtime: 'chromium' };

/** The --runtime option, as every headless script declares it. */
export function runtimeOption() {
  return option(
    oneOf(RUNTIME_CHOICES),
    'auto',
    "where GPU runs happen; node: WebGPU in this process (Dawn, the optional package\nwebgpu); chromium: headless Chromium; auto: node when it loads and finds\nan adapter, else chromium",
  );
}

/**
 * The runtime for `choice`: 'chromium' as asked; 'node' once Node's WebGPU is loaded with an
 * adapter (else a RuntimeUnavailableError saying why); 'auto' is node when that works and chromium
 * otherwise, with one line on standard error saying which and why. `load` is replaced by tests.
 */
export async function resolveRuntime(choice: RuntimeChoice, host: ScriptHost, load: () => Promise<NodeWebGpu> = loadNodeWebGpu): Promise<ResolvedRuntime> {
  if (choice === 'chromium') return { runtime: 'chromium' };
  const node = await load();
  if (node.available) {
    if (choice === 'auto') host.stderr(`runtime auto: node, because Node's WebGPU loaded and found an adapter\n`);
    return { runtime: 'node', description: node.description };
  }
  if (choice === 'node') {
    throw new RuntimeUnavailableError(`--runtime node: Node's WebGPU cannot be used: ${node.reason}. Use --runtime chromium or auto, or see the README's Node runtime section.`);
  }
  host.stderr(`runtime auto: chromium, because Node's WebGPU cannot be used: ${node.reason}\n`);
  return { runtime: 'chromium' };
}

/** Says on standard error where the GPU runs of a script happen: the runtime, what runs it there, and the adapter. */
export function announceRuntime(host: ScriptHost, runtime: GpuRuntime, detail: string, adapter: string): void {
  host.stderr(`GPU runs on runtime ${runtime} (${detail}), adapter ${adapter}\n`);
}

/** GPU runs and self-checks on one runtime, one after another. */
export interface GpuRunner {
  /** Where the runs happen. */
  runtime: GpuRuntime;
  /** The adapter they run on, as run files name it. */
  adapter: string;
  /** Trains one configured run; `dataset` is `request.dataset` built in Node (the page builds its own). */
  run(request: RunRequest, dataset: Dataset, onProgress?: (progress: RunProgress) => void): Promise<RunRecord>;
  /** Runs the GPU self-check; `dataset` is `request.run.dataset` built in Node (the page builds its own). */
  check(request: CheckRequest, dataset: Dataset): Promise<SelfCheckReport>;
  /** Releases the page, and the browser if this runner launched it. */
  close(): Promise<void>;
}

/**
 * A GPU runner on the runtime `choice` resolves to, announced on standard error with its adapter.
 * On chromium it opens scripts/pages/run.html in `browser` when given (the caller keeps it), else in
 * a browser of its own.
 */
export async function openGpuRunner(choice: RuntimeChoice, host: ScriptHost, browser?: HeadlessBrowser): Promise<GpuRunner> {
  const resolved = await resolveRuntime(choice, host);
  const { runtime } = resolved;
  let runner: GpuRunner;
  let detail: string;
  // The autotuner's choices are kept in the user's cache folder, for either runtime (the page reaches it through Node).
  const store = new FileTuningStore(tuningCachePath(), (message) => host.stderr(`warning: ${message}\n`));
  if (resolved.runtime === 'node') {
    detail = resolved.description;
    runner = { runtime, adapter: await adapterOrWhyNot(), run: (request, dataset, onProgress) => runOnNodeGpu(request, dataset, store, onProgress), check: checkOnNodeGpu, close: async () => {} };
  } else {
    const headless = browser ?? (await launchHeadless(host));
    try {
      const page = await headless.open('/scripts/pages/run.html');
      const run = await gpuRunner(page, store);
      detail = headless.version;
      runner = {
        runtime,
        adapter: await page.evaluate(() => window.runAdapter()),
        run: (request, _dataset, onProgress) => run(request, onProgress),
        check: (request) => checkInPage(page, request),
        close: () => (browser ? page.close() : headless.close()),
      };
    } catch (error) {
      if (!browser) await headless.close();
      throw error;
    }
  }
  announceRuntime(host, runtime, detail, runner.adapter);
  return runner;
}
