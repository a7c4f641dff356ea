/**
 * The headless commands' hardening holds on both GPU runtimes: a diverging run stops at its first
 * non-finite metric on Node's WebGPU exactly as in Chromium and exits 3; a network the device
 * cannot hold is refused with exit 2, its field named, nothing written; the test rows are scored
 * on both; and `npm run check` runs the self-check on either runtime, saying which.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main as check } from '../../scripts/check';
import { main as train } from '../../scripts/train';
import type { GpuRuntime } from '../../scripts/lib/gpu-runtime';
import type { RunRecord } from '../../scripts/lib/run-session';
import { LOSSES, LOSS_NAMES, lossAllows } from '../../src/model/losses';
import { expectClose } from '../browser/gpu-compare';
import { expectNoStackTrace, expectUserError, filesUnder, runScript, type ScriptResult } from '../unit/script-harness';
import { startPageServer, type PageServer } from './page-server';

const RUNTIMES: GpuRuntime[] = ['node', 'chromium'];

let workDir: string;
let pages: PageServer;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'runtime-hardening-'));
  pages = await startPageServer();
});

afterAll(async () => {
  await pages?.close();
  rmSync(workDir, { recursive: true, force: true });
});

/** A fresh folder holding `files` (objects written as JSON). */
function folderWith(files: Record<string, object>): string {
  const dir = mkdtempSync(join(workDir, 'case-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), JSON.stringify(content));
  return dir;
}

/** Runs `command` in `dir` on `runtime`, with the page server for the Chromium runtime. */
function runOn(command: typeof train, runtime: GpuRuntime, args: string[], dir: string): Promise<ScriptResult> {
  return runScript(command, [...args, '--runtime', runtime], dir, async () => pages.baseUrl);
}

function readRun(path: string): RunRecord {
  return JSON.parse(readFileSync(path, 'utf8')) as RunRecord;
}

describe('a diverging GPU run stops at its first non-finite metric on either runtime, and exits 3', () => {
  const configs = [
    {
      name: 'SGD at learning rate 1e30 on a linear output',
      config: { spec: { widths: [2, 16, 1], hiddenActivations: ['relu'], outputActivation: 'linear', loss: 'mse', optimizer: { learningRate: 1e30 }, batchSize: 16 }, dataset: 'circle', steps: 300 },
    },
    {
      name: 'momentum at learning rate 1e20 with leaky ReLU layers',
      config: {
        spec: { widths: [2, 8, 8, 1], hiddenActivations: ['leaky_relu', 'leaky_relu'], outputActivation: 'linear', loss: 'mse', optimizer: { kind: 'momentum', learningRate: 1e20 }, batchSize: 8 },
        dataset: { kind: 'gaussians', samples: 200 },
        steps: 500,
      },
    },
    {
      name: 'Adam at learning rate 1e30 on a sigmoid output with cross-entropy',
      config: { spec: { widths: [2, 12, 1], hiddenActivations: ['relu'], outputActivation: 'sigmoid', loss: 'cross_entropy', optimizer: { kind: 'adam', learningRate: 1e30 }, batchSize: 16 }, dataset: 'xor', steps: 400 },
    },
  ];
  for (const { name, config } of configs) {
    it(name, async () => {
      const records = new Map<GpuRuntime, RunRecord>();
      for (const runtime of RUNTIMES) {
        const dir = folderWith({ 'c.json': config });
        const result = await runOn(train, runtime, ['--config', 'c.json', '--out', 'run.json', '--csv'], dir);
        expect(result.code, result.stderr).toBe(3);
        expectNoStackTrace(result.stderr);
        const run = readRun(join(dir, 'run.json'));
        expect(run.runtime).toBe(runtime);
        expect(run.backend).toBe('webgpu');
        const stopped = run.stopped!;
        expect(stopped, `${runtime}: the run did not stop`).not.toBeNull();
        expect(run.metrics.map((m) => m.step)).toEqual(Array.from({ length: stopped.step + 1 }, (_, i) => i));
        expect(result.stderr).toContain(`stopped: ${stopped.message}`);
        expect(result.stderr).toMatch(new RegExp(`^GPU runs on runtime ${runtime} \\(.+\\), adapter .+$`, 'm'));
        expect(readFileSync(join(dir, 'run.csv'), 'utf8').trimEnd().split('\n')).toHaveLength(stopped.step + 2);
        expect(Object.keys(filesUnder(dir)).sort()).toEqual(['c.json', 'run.csv', 'run.json']);
        records.set(runtime, run);
      }
      // Both runtimes run the same kernels on the same adapter: they stop at the same step, on the same figure.
      const [node, chromium] = RUNTIMES.map((runtime) => records.get(runtime)!.stopped!);
      expect({ step: node.step, metric: node.metric, layer: node.layer, keptStep: node.keptStep }).toEqual({ step: chromium.step, metric: chromium.metric, layer: chromium.layer, keptStep: chromium.keptStep });
    });
  }
});

describe('a network the device cannot hold is a user error on either runtime, and nothing is written', () => {
  const networks = [
    { name: 'one layer of 20000 at batch 60000', spec: { widths: [2, 20000, 1], hiddenActivations: ['tanh'], batchSize: 60000 }, samples: 100000 },
    { name: 'layers of 400 and 8000 at batch 40000', spec: { widths: [2, 400, 8000, 1], hiddenActivations: ['relu', 'relu'], batchSize: 40000 }, samples: 60000 },
  ];
  for (const network of networks) {
    for (const runtime of RUNTIMES) {
      it(`${network.name}, runtime ${runtime}`, async () => {
        const dir = folderWith({ 'c.json': { spec: network.spec, dataset: { kind: 'circle', samples: network.samples }, steps: 2 } });
        const before = filesUnder(dir);
        const result = await runOn(train, runtime, ['--config', 'c.json', '--out', 'run.json'], dir);
        expectUserError(result, 'spec', /does not fit this GPU: .+ needs \d+ bytes but maxStorageBufferBindingSize is \d+ bytes/);
        expect(filesUnder(dir)).toEqual(before);
      });
    }
  }
});

describe('the test rows are scored on either runtime, at the same steps and to the same figures', () => {
  const runs = [
    { name: 'xor-saturated every 10 of 40 steps', args: ['--config', 'xor-saturated', '--steps', '40', '--switch-loss-at', '20', '--test-every', '10'], steps: [10, 20, 30, 40] },
    { name: 'spiral-softmax every 7 of 15 steps', args: ['--config', 'spiral-softmax', '--steps', '15', '--test-every', '7'], steps: [7, 14, 15] },
  ];
  for (const run of runs) {
    it(run.name, async () => {
      const records = new Map<GpuRuntime, RunRecord>();
      for (const runtime of RUNTIMES) {
        const dir = mkdtempSync(join(workDir, 'tests-'));
        const result = await runOn(train, runtime, [...run.args, '--out', 'run.json'], dir);
        expect(result.code, result.stderr).toBe(0);
        const record = readRun(join(dir, 'run.json'));
        expect(record.tests.map((test) => test.step)).toEqual(run.steps);
        records.set(runtime, record);
      }
      const [node, chromium] = RUNTIMES.map((runtime) => records.get(runtime)!);
      for (const loss of LOSS_NAMES.filter((name) => lossAllows(name, node.spec.outputActivation))) {
        expectClose('loss', `${run.name}: test ${LOSSES[loss].noun}, Node vs Chromium`, node.tests.map((test) => test.losses[loss]), chromium.tests.map((test) => test.losses[loss]));
      }
    });
  }
});

describe('npm run check --runtime: the self-check on either runtime', () => {
  for (const runtime of RUNTIMES) {
    it(`runtime ${runtime}: says where it runs, checks the plans asked for, and passes`, async () => {
      const result = await runOn(check, runtime, ['--config', 'xor-saturated', '--variants', 'registers,tiled-64-k16', '--steps', '2'], workDir);
      expect(result.code, result.stderr).toBe(0);
      expectNoStackTrace(result.stderr);
      expect(result.stderr).toMatch(new RegExp(`^GPU runs on runtime ${runtime} \\(.+\\), adapter .+$`, 'm'));
      expect(result.stdout).toMatch(/^GPU self-check on .+: passed in [\d.]+ s$/m);
      expect(result.stdout).toMatch(/^ {2}plans: fused step; layered, registers products; layered, tiled-64-k16 products$/m);
    });
  }
});
