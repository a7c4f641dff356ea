/**
 * `npm run experiment -- sweep` refuses every class of bad input before anything trains or is
 * written: exit code 2, the flag named, no stack trace, the folder unchanged.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main as experiment } from '../../scripts/experiment';
import { expectUserError, filesUnder, runScript } from './script-harness';

let workDir: string;
beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'sweep-cli-'));
});
afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

async function expectRefused(args: string[], field: string, fragment: string, files: Record<string, string> = {}): Promise<void> {
  const dir = mkdtempSync(join(workDir, 'case-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  const before = filesUnder(dir);
  const result = await runScript(experiment, ['sweep', ...args], dir);
  expectUserError(result, field, fragment);
  expect(filesUnder(dir)).toEqual(before);
}

describe('npm run experiment -- sweep refuses, naming the flag', () => {
  it('empty ranges', async () => {
    await expectRefused(['--x-from', '2', '--x-to', '2'], '--x-to', 'is empty but 13 values were asked for');
    await expectRefused(['--y', 'seed', '--y-from', '1', '--y-to', '3', '--y-values', '5'], '--y-values', 'holds fewer than 5 different whole values');
    await expectRefused(['--x-values', '0'], '--x-values', 'Expected a whole number from 1 to 1000');
  });

  it('inverted ranges', async () => {
    await expectRefused(['--x-from', '8', '--x-to', '2'], '--x-to', 'The range is inverted: it ends at 2, below its start 8');
    await expectRefused(['--y-from', '1', '--y-to', '0.1', '--y-values', '3'], '--y-to', 'The range is inverted');
  });

  it('too many cells and too many runs', async () => {
    await expectRefused(['--x-values', '64', '--y', 'seed', '--y-from', '1', '--y-to', '100', '--y-values', '32'], '--y-values', '64 × 32 = 2048 cells is too many');
    await expectRefused(['--seeds', '1000'], '--seeds', '13 cells × 1000 seeds × 2 losses = 26000 runs, over the limit of 16384');
  });

  it('values that are not numbers', async () => {
    await expectRefused(['--x-from', 'abc'], '--x-from', 'Expected a number, got "abc"');
    await expectRefused(['--threshold', ''], '--threshold', 'Expected a number, got ""');
    await expectRefused(['--steps', '1e3'], '--steps', 'Expected a whole number from 1 to 1000000');
  });

  it('settings the network, the data or the other axis cannot take', async () => {
    await expectRefused(['--y', 'initScale'], '--y', 'Both axes sweep init scale');
    await expectRefused(['--y', 'batchSize', '--y-from', '32', '--y-to', '1000', '--y-values', '2'], '--y-to', 'The batch size 1000 is larger than the 400 training samples.');
    await expectRefused(['--x-from', '-1'], '--x-from', 'Init scale must be from 0.001 to 1000, got -1.');
    const linear = JSON.stringify({ spec: { widths: [2, 4, 1], hiddenActivations: ['tanh'], outputActivation: 'linear', loss: 'mse', batchSize: 16 }, dataset: 'circle', steps: 5 });
    await expectRefused(['--config', 'linear.json'], '--config', 'A sweep compares MSE with cross-entropy.', { 'linear.json': linear });
  });

  it('outputs that cannot be written, and unknown flags', async () => {
    await expectRefused(['--out-dir', 'docs'], '--out-dir', 'docs is a file, so', { docs: 'a file' });
    await expectRefused(['--colour', 'red'], '--colour', 'Unknown argument');
    const late = await runScript(experiment, ['--backend', 'cpu', 'sweep'], workDir);
    expectUserError(late, 'sweep', 'Give the experiment first');
  });
});
