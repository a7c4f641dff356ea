/**
 * Checks one GPU run (or float32 WebAssembly run) against its CPU reference: forward outputs, the
 * step-0 gradient per layer (W and b separately), every step's metrics, and the parameters after
 * the last step.
 */
import { expect } from 'vitest';
import { parameterLayout } from '../../src/model/layout';
import { LOSSES, LOSS_NAMES, lossAllows, type LossName } from '../../src/model/losses';
import { expectClose } from './gpu-compare';
import type { CpuReference, PreparedCase } from './gpu-cases';
import { decodeFloat32, decodeFloat64, type SessionCaseResult } from './gpu-wire';

export function checkAgainstCpu(prepared: PreparedCase, result: SessionCaseResult, cpu: CpuReference): void {
  const name = prepared.recipe.name;
  if (prepared.recipe.stepKernel) expect(result.stepKernel, `${name}: step layout used`).toBe(prepared.recipe.stepKernel);
  if (prepared.recipe.matmul) expect(result.matmul, `${name}: matrix-product variant used`).toBe(prepared.recipe.matmul);
  expectClose('forward', `${name} outputs`, decodeFloat32(result.outputs), cpu.outputs);

  const gradient = decodeFloat64(result.gradient);
  parameterLayout(prepared.spec.widths).layers.forEach((layer, l) => {
    const w = [layer.weightOffset, layer.biasOffset] as const;
    const b = [layer.biasOffset, layer.biasOffset + layer.fanOut] as const;
    expectClose('weightGradient', `${name} step-0 dL/dW${l + 1}`, gradient.subarray(...w), cpu.gradient.subarray(...w));
    expectClose('biasGradient', `${name} step-0 dL/db${l + 1}`, gradient.subarray(...b), cpu.gradient.subarray(...b));
  });

  expect(result.metrics.map((m) => m.step), `${name}: steps reported`).toEqual(cpu.metrics.map((m) => m.step));
  expect(result.metrics.map((m) => m.activeLoss), `${name}: active loss per step`).toEqual(cpu.metrics.map((m) => m.activeLoss));
  const series = (pick: (m: { losses: Record<LossName, number | null>; globalGradNorm: number; outputDeltaNorm: number }) => number | null) => ({
    gpu: result.metrics.map((m) => pick(m) ?? NaN),
    cpu: cpu.metrics.map((m) => pick(m) ?? NaN),
  });
  for (const loss of LOSS_NAMES) {
    if (lossAllows(loss, prepared.spec.outputActivation)) {
      const values = series((m) => m.losses[loss]);
      expectClose('loss', `${name} ${LOSSES[loss].noun} per step`, values.gpu, values.cpu);
    } else {
      expect(result.metrics.every((m) => m.losses[loss] === null), `${name}: ${LOSSES[loss].noun} of a ${prepared.spec.outputActivation} output is NaN`).toBe(true);
      expect(cpu.metrics.every((m) => Number.isNaN(m.losses[loss])), `${name}: CPU ${LOSSES[loss].noun} of a ${prepared.spec.outputActivation} output is NaN`).toBe(true);
    }
  }
  const global = series((m) => m.globalGradNorm);
  expectClose('gradientNorm', `${name} global gradient norm per step`, global.gpu, global.cpu);
  const delta = series((m) => m.outputDeltaNorm);
  expectClose('gradientNorm', `${name} output-delta norm per step`, delta.gpu, delta.cpu);
  const layers = prepared.spec.widths.length - 1;
  for (let l = 0; l < layers; l++) {
    expectClose('gradientNorm', `${name} ‖dL/dW${l + 1}‖ per step`, result.metrics.map((m) => m.gradNormW[l]), cpu.metrics.map((m) => m.gradNormW[l]));
    expectClose('gradientNorm', `${name} ‖dL/db${l + 1}‖ per step`, result.metrics.map((m) => m.gradNormB[l]), cpu.metrics.map((m) => m.gradNormB[l]));
  }
  // A count of thresholded elements: exact unless an output lies within float32 rounding of the threshold.
  expect(result.metrics.map((m) => m.saturatedFraction), `${name}: saturated fraction per step`).toEqual(cpu.metrics.map((m) => m.saturatedFraction));

  const gpuParameters = decodeFloat64(result.parameters);
  expectClose(
    'parameterChange',
    `${name} parameter change after ${prepared.recipe.steps} steps`,
    gpuParameters.map((p, i) => p - prepared.initial[i]),
    cpu.parameters.map((p, i) => p - prepared.initial[i]),
  );
}
