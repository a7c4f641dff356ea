/**
 * `npm run bench` on both runtimes times the square product in every product variant that fits the
 * device, the trainer's fixed-rule variant first as the reference, and writes each other variant as
 * a multiple of it: the comparison covers the whole family of src/gpu/kernels.ts, not one pair.
 * A tiny benchmark (one window of two steps, a 64³ product) keeps this quick on SwiftShader.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main as bench } from '../../scripts/bench';
import { loadNodeWebGpu } from '../../scripts/lib/node-webgpu';
import type { GpuRuntime } from '../../scripts/lib/gpu-runtime';
import { acquireGpu } from '../../src/gpu/device';
import { MATMUL_VARIANT_NAMES, variantFits, type MatmulVariant } from '../../src/gpu/kernels';
import { chooseStepPlan } from '../../src/gpu/step-plan';
import { runScript } from '../unit/script-harness';
import { startPageServer, type PageServer } from './page-server';

const SIZE = 64;
const RUNTIMES: GpuRuntime[] = ['node', 'chromium'];

let workDir: string;
let pages: PageServer;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'bench-variants-'));
  pages = await startPageServer();
});

afterAll(async () => {
  await pages?.close();
  rmSync(workDir, { recursive: true, force: true });
});

/** The variants a size³ product can run in on this adapter, the fixed rule's first: what the bench must time. */
async function expectedVariants(): Promise<MatmulVariant[]> {
  const node = await loadNodeWebGpu();
  if (!node.available) throw new Error(`Node's WebGPU cannot be used, so this test cannot run: ${node.reason}`);
  const { device, report } = await acquireGpu();
  const rule = chooseStepPlan([SIZE, SIZE, SIZE], SIZE, report.isCpuAdapter).matmul;
  return [rule, ...MATMUL_VARIANT_NAMES.filter((variant) => variant !== rule && variantFits(variant, device.limits))];
}

describe('npm run bench: the square product in every product variant that fits, against the rule’s', () => {
  it('on the Node runtime and in Chromium, in one run', async () => {
    const out = join(workDir, 'BENCHMARKS.md');
    const args = ['--runtime', RUNTIMES.join(','), '--configs', 'toy', '--cpu-configs', 'none', '--losses', 'mse', '--windows', '1', '--steps', '2', '--warmup', '1', '--matmul-size', String(SIZE), '--seconds', '0.05', '--out', out];
    const result = await runScript(bench, args, workDir, async () => pages.baseUrl);
    expect(result.code, result.stderr).toBe(0);
    const variants = await expectedVariants();
    expect(variants.length, 'variants that fit this device').toBeGreaterThan(2);
    const written = readFileSync(out, 'utf8');
    // TF.js's toy rows ran on both runtimes.
    expect(written.match(/TF\.js did not run:[^#]*/)?.[0] ?? '', 'TF.js rows').toBe('');
    for (const runtime of RUNTIMES) {
      const lines = written.split('\n').filter((line) => line.startsWith(`- ${runtime}: our forward matrix-product kernel alone, `));
      expect(lines.map((line) => /alone, (\S+) variant/.exec(line)?.[1]), `${runtime}: the variants timed, in order`).toEqual(variants);
      const gflops = lines.map((line) => Number(/\*\*([\d.e+]+) GFLOP\/s\*\*/.exec(line)?.[1]));
      expect(gflops.every((figure) => Number.isFinite(figure) && figure > 0), `${runtime}: GFLOP/s of each variant ${gflops.join(', ')}`).toBe(true);
      expect(lines[0]).toContain("(the one our trainer's fixed rule picks on this adapter;");
      for (const [i, line] of lines.entries()) {
        if (i === 0) continue;
        // The multiple is of the figures as measured; the file rounds them to three digits and it to two decimals.
        const multiple = Number(new RegExp(`GFLOP/s\\*\\*, ([\\d.]+)× the ${variants[0]} variant`).exec(line)?.[1]);
        const ratio = gflops[i] / gflops[0];
        expect(Math.abs(multiple - ratio), `${runtime} ${variants[i]}: ${line}`).toBeLessThanOrEqual(0.01 * ratio + 0.005);
      }
    }
  });
});
