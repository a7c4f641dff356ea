/** The GPU-vs-CPU comparison the test suite and the self-check share (src/train/tensor-bounds.ts). */
import { describe, expect, it } from 'vitest';
import { TOLERANCES, compareTensors } from '../../src/train/tensor-bounds';

describe('compareTensors', () => {
  const { rtol, scaledAtol } = TOLERANCES.forward;

  it('passes a tensor within rtol·|cpu| + scaledAtol·max|cpu| and reports how much of the bound it used', () => {
    const cpu = [1, -2, 4];
    // Element 2 off by half its bound.
    const bound = rtol * 4 + scaledAtol * 4;
    const result = compareTensors('forward', 'z', [1, -2, 4 + bound / 2], cpu);
    expect(result).toMatchObject({ passed: true, worstIndex: 2, message: '' });
    expect(result.boundFraction).toBeCloseTo(0.5, 12);
  });

  it('fails one element past its bound, naming the tensor, the index and both values', () => {
    const cpu = [1, -2, 4];
    const bound = rtol * 2 + scaledAtol * 4;
    const result = compareTensors('forward', 'outputs', [1, -2 - 1.5 * bound, 4], cpu);
    expect(result.passed).toBe(false);
    expect(result.worstIndex).toBe(1);
    expect(result.message).toMatch(/^outputs\[1\]: GPU -2\.0\d* vs CPU -2, \|difference\| .* exceeds forward bound/);
  });

  it('fails a NaN on either side and a length that differs', () => {
    expect(compareTensors('loss', 'l', [NaN, 1], [1, 1]).passed).toBe(false);
    expect(compareTensors('loss', 'l', [1, 1], [1, NaN]).passed).toBe(false);
    expect(compareTensors('loss', 'l', [1], [1, 1])).toMatchObject({ passed: false, message: 'l: GPU has 1 values, CPU 2' });
  });
});
