/**
 * Choosing where GPU runs happen (--runtime node|chromium|auto): why Node's WebGPU cannot be used,
 * for each way it can fail; what each choice does with that; and, end to end, `npm run train` on a
 * machine without the optional package (simulated by tests/node-runtime/without-webgpu.mjs), which
 * falls back to Chromium with auto and says so in one line.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadNodeWebGpu, openNodeWebGpu, RuntimeUnavailableError, type NodeWebGpu, type WebGpuPackage } from '../../scripts/lib/node-webgpu';
import { resolveRuntime, type RuntimeChoice } from '../../scripts/lib/gpu-runtime';
import type { ScriptHost } from '../../scripts/lib/host';
import type { RunRecord } from '../../scripts/lib/run-session';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const savedDriverVariable = process.env.VK_ICD_FILENAMES;

afterEach(() => {
  // A failed adapter search names the SwiftShader driver to the Vulkan loader; leave the variable as it was.
  if (savedDriverVariable === undefined) delete process.env.VK_ICD_FILENAMES;
  else process.env.VK_ICD_FILENAMES = savedDriverVariable;
});

/** A host that keeps what the script writes. */
function capturingHost(): ScriptHost & { errors: () => string } {
  let stderr = '';
  return {
    stdout: () => {},
    stderr: (text) => (stderr += text),
    errors: () => stderr,
    isTTY: false,
    cwd: projectRoot,
    projectRoot,
    serve: () => Promise.reject(new Error('choosing a runtime must not start a server')),
  };
}

/** An error as Node raises it, with its code. */
function nodeError(message: string, code?: string): Error {
  return Object.assign(new Error(message), code ? { code } : {});
}

/** A package whose every Dawn instance finds no adapter. */
const NO_ADAPTER: WebGpuPackage = { create: () => ({ requestAdapter: async () => null }) as unknown as GPU, globals: {} };

/** Ways Node's WebGPU fails, by class, each with what its reason must say. */
const FAILURES: { name: string; load: () => Promise<WebGpuPackage>; says: RegExp }[] = [
  { name: 'package missing (ES module resolution)', load: () => Promise.reject(nodeError("Cannot find package 'webgpu' imported from /x/y.js", 'ERR_MODULE_NOT_FOUND')), says: /optional package webgpu is not installed/ },
  { name: 'package missing (CommonJS resolution)', load: () => Promise.reject(nodeError("Cannot find module 'webgpu'", 'MODULE_NOT_FOUND')), says: /optional package webgpu is not installed/ },
  { name: 'binary for another platform only', load: () => Promise.reject(nodeError("Cannot find module '/p/node_modules/webgpu/dist/freebsd-x64/dawn.node'", 'MODULE_NOT_FOUND')), says: /installed but its binary did not load \(Cannot find module .*freebsd-x64\/dawn\.node/ },
  { name: 'binary that cannot be opened', load: () => Promise.reject(nodeError('/p/dist/linux-x64/dawn.node: libvulkan.so.1: cannot open shared object file', 'ERR_DLOPEN_FAILED')), says: /binary did not load \(.*cannot open shared object file\)/ },
  { name: 'binary of the wrong format', load: () => Promise.reject(nodeError('/p/dist/linux-x64/dawn.node: invalid ELF header')), says: /binary did not load \(.*invalid ELF header\)/ },
  { name: 'no adapter on any backend', load: async () => NO_ADAPTER, says: /default backends found no adapter, nor did Vulkan with the driver .*vk_swiftshader_icd\.json .*libvulkan1/ },
  { name: 'Dawn throwing while it looks', load: async () => ({ create: () => { throw new Error('instance creation failed'); }, globals: {} }), says: /Dawn failed while looking for an adapter \(instance creation failed\)/ },
];

describe("why Node's WebGPU cannot be used", () => {
  for (const failure of FAILURES) {
    it(`${failure.name}: says so`, async () => {
      const node = await openNodeWebGpu(failure.load);
      expect(node.available).toBe(false);
      if (!node.available) expect(node.reason).toMatch(failure.says);
    });
  }
});

describe('--runtime with Node’s WebGPU unavailable', () => {
  for (const failure of FAILURES) {
    const load = () => openNodeWebGpu(failure.load);

    it(`${failure.name}: auto falls back to chromium with one line saying why`, async () => {
      const host = capturingHost();
      expect(await resolveRuntime('auto', host, load)).toEqual({ runtime: 'chromium' });
      const lines = host.errors().trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^runtime auto: chromium, because Node's WebGPU cannot be used: /);
      expect(lines[0]).toMatch(failure.says);
    });

    it(`${failure.name}: node refuses, naming the reason and the other runtimes`, async () => {
      const refusal = resolveRuntime('node', capturingHost(), load);
      await expect(refusal).rejects.toThrow(RuntimeUnavailableError);
      await expect(refusal).rejects.toThrow(failure.says);
      await expect(refusal).rejects.toThrow(/Use --runtime chromium or auto/);
    });
  }
});

describe("--runtime with Node's WebGPU available", () => {
  let node: NodeWebGpu;
  beforeAll(async () => {
    node = await loadNodeWebGpu();
    if (!node.available) throw new Error(`Node's WebGPU cannot be used, so this test cannot run: ${node.reason}`);
  });

  for (const choice of ['node', 'auto'] as const) {
    it(`${choice} runs in Node, on Dawn`, async () => {
      const host = capturingHost();
      const resolved = await resolveRuntime(choice, host, () => Promise.resolve(node));
      expect(resolved.runtime).toBe('node');
      if (resolved.runtime === 'node') expect(resolved.description).toMatch(/^Dawn \(webgpu \d+\.\d+\.\d+\), /);
      expect(host.errors()).toBe(choice === 'auto' ? "runtime auto: node, because Node's WebGPU loaded and found an adapter\n" : '');
    });
  }

  it('chromium never loads Node’s WebGPU', async () => {
    const host = capturingHost();
    const choice: RuntimeChoice = 'chromium';
    expect(await resolveRuntime(choice, host, () => Promise.reject(new Error('chromium must not load Node’s WebGPU')))).toEqual({ runtime: 'chromium' });
    expect(host.errors()).toBe('');
  });
});

describe('npm run train --runtime, end to end', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'runtime-choice-'));

  /** Runs the train command in a fresh Node process, optionally on a machine without the optional package. */
  async function train(args: string[], withoutWebgpu: boolean): Promise<{ code: number; stderr: string }> {
    const node = [...(withoutWebgpu ? ['--import', './tests/node-runtime/without-webgpu.mjs'] : []), 'scripts/lib/run-ts.mjs', 'scripts/train.ts'];
    try {
      const { stderr } = await promisify(execFile)(process.execPath, [...node, ...args], { cwd: projectRoot, timeout: 240_000 });
      return { code: 0, stderr };
    } catch (error) {
      const failed = error as { code?: number; stderr?: string };
      return { code: typeof failed.code === 'number' ? failed.code : -1, stderr: failed.stderr ?? String(error) };
    }
  }

  const run = (out: string, runtime: RuntimeChoice) => ['--config', 'xor-saturated', '--steps', '6', '--switch-loss-at', '3', '--runtime', runtime, '--out', join(workDir, out)];
  const readRun = (out: string) => JSON.parse(readFileSync(join(workDir, out), 'utf8')) as RunRecord;

  it('auto without the package trains in Chromium and says why in one line', async () => {
    const { code, stderr } = await train(run('auto-without.json', 'auto'), true);
    expect(code, stderr).toBe(0);
    const autoLines = stderr.split('\n').filter((line) => line.startsWith('runtime auto:'));
    expect(autoLines).toEqual(["runtime auto: chromium, because Node's WebGPU cannot be used: the optional package webgpu is not installed (`npm install` installs it where its binary exists)"]);
    expect(stderr).toMatch(/^GPU runs on runtime chromium \(.+\), adapter .+$/m);
    const record = readRun('auto-without.json');
    expect(record.runtime).toBe('chromium');
    expect(record.adapter).toMatch(/\S/);
    expect(record.metrics).toHaveLength(6);
  });

  it('node without the package exits 2, as every user error does, with one line saying why, and writes nothing', async () => {
    const { code, stderr } = await train(run('node-without.json', 'node'), true);
    expect(code).toBe(2);
    expect(stderr.trim()).toBe(
      "error: --runtime node: Node's WebGPU cannot be used: the optional package webgpu is not installed (`npm install` installs it where its binary exists). Use --runtime chromium or auto, or see the README's Node runtime section.",
    );
    expect(() => readRun('node-without.json')).toThrow(/ENOENT/);
  });

  it('auto with the package trains in Node and records it', async () => {
    const { code, stderr } = await train(run('auto-with.json', 'auto'), false);
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/^runtime auto: node, because Node's WebGPU loaded and found an adapter$/m);
    expect(stderr).toMatch(/^GPU runs on runtime node \(Dawn \(webgpu [\d.]+\), .+\), adapter .+$/m);
    const record = readRun('auto-with.json');
    expect(record.runtime).toBe('node');
    expect(record.metrics.map((m) => m.activeLoss)).toEqual(['mse', 'mse', 'mse', 'cross_entropy', 'cross_entropy', 'cross_entropy']);
  });
});
