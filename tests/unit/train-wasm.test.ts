/**
 * `npm run train -- --backend wasm`: the float32 WebAssembly path in Node writes the same kind of
 * run file as the float64 path, and the two runs of one configuration agree step by step within
 * the GPU's bounds (src/train/tensor-bounds.ts), across a loss switch and from --init weights; a
 * network it refuses and an output it cannot write are user errors (exit 2), as on the other backends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../scripts/train';
import type { ScriptHost } from '../../scripts/lib/host';
import type { RunRecord } from '../../scripts/lib/run-session';
import { LOSS_NAMES, lossAllows } from '../../src/model/losses';
import { expectClose } from '../browser/gpu-compare';
import { expectUserError, filesUnder, runScript } from './script-harness';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
let workDir: string;

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'train-wasm-'));
});
afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

async function train(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const host: ScriptHost = {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    isTTY: false,
    cwd: workDir,
    projectRoot,
    serve: () => Promise.reject(new Error('the WebAssembly path in Node must not start a server')),
  };
  const code = await main(args, host);
  return { code, stdout, stderr };
}

function readRun(name: string): RunRecord {
  return JSON.parse(readFileSync(join(workDir, name), 'utf8')) as RunRecord;
}

/** Asserts that a float32 run follows the float64 run of the same configuration. */
function expectSameRun(wasm: RunRecord, cpu: RunRecord): void {
  expect(wasm.backend).toBe('wasm');
  expect(wasm.initialParameters).toEqual(cpu.initialParameters);
  expect(wasm.metrics.map((m) => m.step)).toEqual(cpu.metrics.map((m) => m.step));
  expect(wasm.metrics.map((m) => m.activeLoss)).toEqual(cpu.metrics.map((m) => m.activeLoss));
  for (const loss of LOSS_NAMES) {
    if (!lossAllows(loss, cpu.spec.outputActivation)) continue;
    expectClose('loss', `${loss} per step`, wasm.metrics.map((m) => m.losses[loss]), cpu.metrics.map((m) => m.losses[loss]));
  }
  expectClose('gradientNorm', 'global gradient norm per step', wasm.metrics.map((m) => m.globalGradNorm), cpu.metrics.map((m) => m.globalGradNorm));
  expect(wasm.stopped).toBeNull();
  expect(cpu.stopped).toBeNull();
  expectClose(
    'parameterChange',
    'parameter change over the run',
    (wasm.finalParameters ?? []).map((p, i) => p - wasm.initialParameters[i]),
    (cpu.finalParameters ?? []).map((p, i) => p - cpu.initialParameters[i]),
  );
}

describe('train CLI: --backend wasm', () => {
  it('writes the run of the float64 path, within float32 error, across a loss switch', async () => {
    const args = ['--config', 'xor-saturated', '--steps', '30', '--switch-loss-at', '20'];
    for (const backend of ['cpu', 'wasm']) {
      const result = await train(...args, '--backend', backend, '--out', `${backend}.json`);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain(`on ${backend}`);
    }
    const wasm = readRun('wasm.json');
    expect(wasm.metrics.findIndex((m) => m.activeLoss !== wasm.spec.loss)).toBe(20);
    expectSameRun(wasm, readRun('cpu.json'));
  });

  it('--init starts the float32 run from the weights of an earlier run', async () => {
    // The preset switches at step 1000; a shorter run must move the switch inside it.
    const first = await train('--config', 'xor-saturated', '--steps', '2', '--switch-loss-at', '1', '--seed', '3', '--backend', 'cpu', '--out', 'seed3.json');
    expect(first.code, first.stderr).toBe(0);
    for (const backend of ['cpu', 'wasm']) {
      const result = await train('--config', 'xor-saturated', '--steps', '10', '--switch-loss-at', '5', '--seed', '7', '--init', 'seed3.json', '--backend', backend, '--out', `init-${backend}.json`);
      expect(result.code, result.stderr).toBe(0);
    }
    const wasm = readRun('init-wasm.json');
    expect(wasm.initialParameters).toEqual(readRun('seed3.json').initialParameters);
    expectSameRun(wasm, readRun('init-cpu.json'));
  });

  it('a network the WebAssembly path refuses is a user error: exit 2 naming the field, nothing written', async () => {
    const cases = [
      { widths: [2, 20000, 1], hiddenActivations: ['tanh'], batchSize: 60000, samples: 100000 },
      { widths: [2, 1200, 1200, 1200, 1], hiddenActivations: ['relu', 'relu', 'relu'], batchSize: 60000, samples: 80000 },
      { widths: [2, 4000, 1], hiddenActivations: ['sigmoid'], batchSize: 65536, samples: 100000 },
    ];
    for (const { samples, ...spec } of cases) {
      const dir = mkdtempSync(join(workDir, 'refused-'));
      writeFileSync(join(dir, 'c.json'), JSON.stringify({ spec, dataset: { kind: 'circle', samples }, steps: 2 }));
      const before = filesUnder(dir);
      const result = await runScript(main, ['--config', 'c.json', '--backend', 'wasm', '--out', 'run.json'], dir);
      expectUserError(result, 'spec', new RegExp(`the network \\[${spec.widths.join(', ')}\\] with batch ${spec.batchSize} needs [\\d.]+ GiB on the WebAssembly path`));
      expect(filesUnder(dir)).toEqual(before);
    }
  });

  it('an output path that cannot take the run is refused before training, as on the other backends', async () => {
    for (const [args, field] of [
      [['--out', 'folder'], '--out'],
      [['--out', 'c.json'], '--out'],
      [['--out', 'run.json', '--csv'], '--csv'],
    ] as const) {
      const dir = mkdtempSync(join(workDir, 'outputs-'));
      writeFileSync(join(dir, 'c.json'), JSON.stringify({ spec: { widths: [2, 4, 1], hiddenActivations: ['tanh'], batchSize: 16 }, dataset: 'circle', steps: 3 }));
      mkdirSync(join(dir, 'folder'));
      // A folder where the CSV beside run.json would go.
      mkdirSync(join(dir, 'run.csv'));
      const before = filesUnder(dir);
      const result = await runScript(main, ['--config', 'c.json', '--backend', 'wasm', ...args], dir);
      expectUserError(result, field, /./);
      expect(filesUnder(dir)).toEqual(before);
    }
  });

  it('refuses a backend it does not know, naming the choices', async () => {
    const result = await train('--config', 'xor-saturated', '--backend', 'wasm64');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('gpu, cpu or wasm');
  });
});
