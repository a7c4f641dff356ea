/**
 * One run config, three places: `npm run train` on the CPU path, on Node's WebGPU (Dawn, in this
 * process) and in headless Chromium. Both GPU runtimes give the same per-step losses within the
 * float32 bounds of src/train/tensor-bounds.ts, and each matches the CPU path within them too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../scripts/train';
import type { RunRecord } from '../../scripts/lib/run-session';
import { LOSSES, LOSS_NAMES, lossAllows } from '../../src/model/losses';
import { chooseStepPlan } from '../../src/gpu/step-plan';
import { expectClose } from '../browser/gpu-compare';
import { runScript } from '../unit/script-harness';
import { startPageServer, type PageServer } from './page-server';

let workDir: string;
let pages: PageServer;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'runtime-parity-'));
  // The Chromium runtime opens the run page from the script host's server, as run-ts.mjs serves it.
  pages = await startPageServer();
});

afterAll(async () => {
  await pages?.close();
  rmSync(workDir, { recursive: true, force: true });
});

/** Runs the train command in this process; its standard error is returned. */
async function train(args: string[]): Promise<string> {
  const { code, stderr } = await runScript(main, args, workDir, async () => pages.baseUrl);
  expect(code, stderr).toBe(0);
  return stderr;
}

function readRun(name: string): RunRecord {
  return JSON.parse(readFileSync(join(workDir, name), 'utf8')) as RunRecord;
}

/** Configs whose runs differ in output, loss and direction of the switch, and in the step layout the trainer picks on a CPU adapter. */
const CONFIGS: { name: string; args: string[]; step: 'fused' | 'layered' }[] = [
  { name: 'saturated sigmoid, MSE then cross-entropy', args: ['--config', 'xor-saturated', '--steps', '20', '--switch-loss-at', '10'], step: 'fused' },
  { name: 'softmax spiral, cross-entropy then MSE, width 17, batch 7', args: ['--config', 'softmax-spiral.json', '--steps', '20', '--switch-loss-at', '10'], step: 'fused' },
  { name: 'MNIST digits, 784 inputs', args: ['--config', 'mnist-small', '--steps', '12'], step: 'layered' },
];

describe('the same run config on Node and in Chromium', () => {
  beforeAll(() => {
    const spiral = {
      spec: { widths: [2, 17, 3], hiddenActivations: ['tanh'], outputActivation: 'softmax', loss: 'cross_entropy', optimizer: { kind: 'adam', learningRate: 0.01 }, batchSize: 7 },
      dataset: { kind: 'spiral-k', classes: 3, samples: 300, seed: 2 },
    };
    writeFileSync(join(workDir, 'softmax-spiral.json'), JSON.stringify(spiral));
  });

  for (const [index, config] of CONFIGS.entries()) {
    it(`${config.name}, ${config.step} step: the same losses at every step`, async () => {
      const out = (place: string) => `run-${index}-${place}.json`;
      await train([...config.args, '--backend', 'cpu', '--out', out('cpu')]);
      const nodeErr = await train([...config.args, '--runtime', 'node', '--out', out('node')]);
      const chromiumErr = await train([...config.args, '--runtime', 'chromium', '--out', out('chromium')]);
      expect(nodeErr).toMatch(/^GPU runs on runtime node \(Dawn .+\), adapter .+$/m);
      expect(chromiumErr).toMatch(/^GPU runs on runtime chromium \(.+\), adapter .+$/m);

      const [cpu, node, chromium] = [out('cpu'), out('node'), out('chromium')].map(readRun);
      expect([cpu.runtime, node.runtime, chromium.runtime]).toEqual(['node', 'node', 'chromium']);
      expect(node.backend).toBe('webgpu');
      expect(chromium.backend).toBe('webgpu');
      expect(node.initialParameters).toEqual(chromium.initialParameters);
      // Both runtimes offer SwiftShader here, a CPU adapter, so both trainers lay the step out the same way.
      expect(chooseStepPlan(cpu.spec.widths, cpu.spec.batchSize, true).kernel, 'step layout of the config').toBe(config.step);
      expect(node.metrics.map((m) => m.activeLoss)).toEqual(cpu.metrics.map((m) => m.activeLoss));
      expect(chromium.metrics.map((m) => m.activeLoss)).toEqual(cpu.metrics.map((m) => m.activeLoss));
      for (const loss of LOSS_NAMES.filter((name) => lossAllows(name, cpu.spec.outputActivation))) {
        const series = (record: RunRecord) => record.metrics.map((m) => m.losses[loss]);
        expectClose('loss', `${config.name}: ${LOSSES[loss].noun} per step, Node vs Chromium`, series(node), series(chromium));
        expectClose('loss', `${config.name}: ${LOSSES[loss].noun} per step, Node vs CPU`, series(node), series(cpu));
        expectClose('loss', `${config.name}: ${LOSSES[loss].noun} per step, Chromium vs CPU`, series(chromium), series(cpu));
      }
    });
  }
});
