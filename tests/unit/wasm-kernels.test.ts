/**
 * The WebAssembly product kernel (asm/products.ts) on its own, in Node: every operand layout the
 * trainer uses, sizes off every grain, a bias or none, sub-ranges that write nothing else, splits
 * between threads that give the same bits as one call, the float64 sum of squares and column sums,
 * and the element-wise kernels: activations within 3 ulp, derivatives and optimizer updates with
 * the bits of the table rules they replace.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../src/model/rng';
import { instantiateKernels, type WasmKernels } from '../../src/wasm/kernels';
import { MIN_PARALLEL_MULTIPLY_ADDS, productGrain, runProductPart, splitProduct, type ProductCall, type ProductPart } from '../../src/wasm/products';
import { MIN_PARALLEL_ELEMENTS, splitTask, type ElementRange } from '../../src/wasm/tasks';
import { ACTIVATIONS, type HiddenActivation } from '../../src/model/activations';
import { OPTIMIZERS, OPTIMIZER_KINDS, defaultHyperparameters } from '../../src/model/optimizers';
import { DEFAULT_SPEC, type NetworkSpec } from '../../src/model/spec';
import { wasmMemoryLayout } from '../../src/wasm/memory-layout';
import { TrainerViews } from '../../src/wasm/views';

const U = 2 ** -24;
let kernels: WasmKernels;
let floats: Float32Array;
/** First free byte, 64-byte aligned. */
let free = 0;

beforeAll(async () => {
  const module = new WebAssembly.Module(readFileSync(new URL('../../asm/build/products.wasm', import.meta.url)));
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 2048 });
  kernels = await instantiateKernels(module, memory);
  memory.grow(1024);
  floats = new Float32Array(memory.buffer);
});

/** Places `values` in the memory and returns their byte offset. */
function place(values: Float32Array): number {
  const at = Math.ceil(Math.max(free, kernels.exports.heapBase()) / 64) * 64;
  floats.set(values, at / 4);
  free = at + 4 * values.length;
  return at;
}

function randomFloats(count: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: count }, () => rng.normal());
}

/** A product of rows × depth by depth × columns with A and/or B transposed in memory, as the trainer's three products are. */
function layoutCall(rows: number, depth: number, columns: number, transposeA: boolean, transposeB: boolean, withBias: boolean, seed: number) {
  free = 0;
  const aValues = randomFloats(rows * depth, seed);
  const bValues = randomFloats(depth * columns, seed + 1);
  const biasValues = randomFloats(columns, seed + 2);
  const a = place(aValues);
  const b = place(bValues);
  const bias = withBias ? place(biasValues) : 0;
  const c = place(new Float32Array(rows * columns).fill(NaN));
  const scratch = place(new Float32Array(kernels.exports.scratchBytes(depth) / 4));
  const call: ProductCall = {
    a, aRow: transposeA ? 1 : depth, aCol: transposeA ? rows : 1,
    b, bRow: transposeB ? 1 : columns, bCol: transposeB ? depth : 1,
    bias, c, ldc: columns, depth, rows, columns,
  };
  const A = (i: number, k: number) => aValues[transposeA ? k * rows + i : i * depth + k];
  const B = (k: number, j: number) => bValues[transposeB ? j * depth + k : k * columns + j];
  return { call, scratch, A, B, bias: (j: number) => (withBias ? biasValues[j] : 0) };
}

function resultOf(call: ProductCall): Float32Array {
  return floats.slice(call.c / 4, call.c / 4 + call.rows * call.ldc);
}

const SIZES = [
  [1, 1, 1],
  [3, 17, 1],
  [7, 3, 17],
  [4, 8, 8],
  [5, 64, 65],
  [17, 7, 785],
  [100, 785, 3],
] as const;

describe('the product kernel', () => {
  it('computes bias + A·B within float32 summation error for every layout, size and bias', () => {
    let checked = 0;
    for (const [rows, depth, columns] of SIZES) {
      for (const transposeA of [false, true]) {
        for (const transposeB of [false, true]) {
          for (const withBias of [false, true]) {
            const { call, scratch, A, B, bias } = layoutCall(rows, depth, columns, transposeA, transposeB, withBias, rows * 1000 + depth);
            runProductPart(kernels, call, { rowFrom: 0, rowTo: rows, colFrom: 0, colTo: columns }, scratch);
            const c = resultOf(call);
            for (let i = 0; i < rows; i++) {
              for (let j = 0; j < columns; j++) {
                let exact = bias(j);
                let magnitude = Math.abs(bias(j));
                for (let k = 0; k < depth; k++) {
                  exact += A(i, k) * B(k, j);
                  magnitude += Math.abs(A(i, k) * B(k, j));
                }
                // A sequential float32 sum of depth + 1 rounded terms: at most (depth + 2)·u·Σ|terms| off.
                const bound = (depth + 2) * U * magnitude;
                const got = c[i * columns + j];
                if (!(Math.abs(got - exact) <= bound)) {
                  expect.fail(`${rows}×${depth}·${depth}×${columns} (A${transposeA ? 'ᵀ' : ''}, B${transposeB ? 'ᵀ' : ''}, ${withBias ? 'bias' : 'no bias'}) C[${i}][${j}] = ${got}, exact ${exact}, bound ${bound}`);
                }
                checked++;
              }
            }
          }
        }
      }
    }
    expect(checked).toBe(8 * SIZES.reduce((sum, [rows, , columns]) => sum + rows * columns, 0));
  });

  it('writes only the rows and columns asked for', () => {
    const parts: ProductPart[] = [
      { rowFrom: 1, rowTo: 6, colFrom: 3, colTo: 70 },
      { rowFrom: 0, rowTo: 1, colFrom: 64, colTo: 65 },
      { rowFrom: 4, rowTo: 4, colFrom: 0, colTo: 65 },
    ];
    for (const part of parts) {
      const { call, scratch } = layoutCall(7, 9, 71, false, true, true, 5);
      runProductPart(kernels, call, part, scratch);
      const c = resultOf(call);
      for (let i = 0; i < call.rows; i++) {
        for (let j = 0; j < call.columns; j++) {
          const inside = i >= part.rowFrom && i < part.rowTo && j >= part.colFrom && j < part.colTo;
          expect(Number.isNaN(c[i * call.columns + j]), `part ${JSON.stringify(part)} C[${i}][${j}]`).toBe(!inside);
        }
      }
    }
  });
});

describe('splitting a product between threads', () => {
  it('runs a product below MIN_PARALLEL_MULTIPLY_ADDS, or on one thread, in one part', () => {
    const grain = productGrain(kernels);
    const small = layoutCall(7, 3, 17, false, false, true, 1).call;
    expect(small.rows * small.columns * small.depth).toBeLessThan(MIN_PARALLEL_MULTIPLY_ADDS);
    expect(splitProduct(small, 4, grain)).toEqual([{ rowFrom: 0, rowTo: 7, colFrom: 0, colTo: 17 }]);
    const large = { ...small, rows: 100, depth: 785, columns: 785 };
    expect(splitProduct(large, 1, grain)).toEqual([{ rowFrom: 0, rowTo: 100, colFrom: 0, colTo: 785 }]);
  });

  it('covers C exactly once, in whole panels or whole row blocks, and gives the bits of one call', () => {
    const grain = productGrain(kernels);
    const shapes = [
      [100, 785, 7, false, false],
      [100, 7, 785, false, true],
      [785, 100, 7, true, false],
      [7, 100, 785, true, false],
      [1024, 784, 10, false, false],
    ] as const;
    for (const [rows, depth, columns, transposeA, transposeB] of shapes) {
      const { call, scratch } = layoutCall(rows, depth, columns, transposeA, transposeB, true, rows + columns);
      expect(rows * depth * columns).toBeGreaterThanOrEqual(MIN_PARALLEL_MULTIPLY_ADDS);
      runProductPart(kernels, call, { rowFrom: 0, rowTo: rows, colFrom: 0, colTo: columns }, scratch);
      const whole = resultOf(call);
      for (const threads of [2, 3, 5]) {
        const parts = splitProduct(call, threads, grain);
        expect(parts.length, `${rows}×${depth}×${columns} on ${threads} threads`).toBeGreaterThan(1);
        expect(parts.length).toBeLessThanOrEqual(threads);
        const covered = new Uint8Array(rows * columns);
        for (const part of parts) {
          const byColumns = part.colFrom !== 0 || part.colTo !== columns;
          if (byColumns) expect(part.colFrom % grain.columns, JSON.stringify(part)).toBe(0);
          else expect(part.rowFrom % grain.rows, JSON.stringify(part)).toBe(0);
          for (let i = part.rowFrom; i < part.rowTo; i++) for (let j = part.colFrom; j < part.colTo; j++) covered[i * columns + j]++;
        }
        expect(covered.every((count) => count === 1), `${rows}×${depth}×${columns} on ${threads} threads: every element once`).toBe(true);
        floats.fill(NaN, call.c / 4, call.c / 4 + rows * columns);
        // One part after another: a thread packs what it needs into its own scratch before using it.
        parts.forEach((part) => runProductPart(kernels, call, part, scratch));
        expect(resultOf(call), `${rows}×${depth}×${columns} split ${threads} ways`).toEqual(whole);
      }
    }
  });
});

describe("splitting the optimizer's update between threads", () => {
  it('keeps an update below MIN_PARALLEL_ELEMENTS whole, and cuts a larger one into contiguous ranges covering it once', () => {
    const grain = productGrain(kernels);
    expect(splitTask({ kind: 'update', count: MIN_PARALLEL_ELEMENTS - 1, stepSize: 0.1 }, 3, grain)).toEqual([{ from: 0, to: MIN_PARALLEL_ELEMENTS - 1 }]);
    for (const count of [MIN_PARALLEL_ELEMENTS, 78_500, 69_701]) {
      for (const threads of [1, 2, 3, 5]) {
        const parts = splitTask({ kind: 'update', count, stepSize: 0.1 }, threads, grain) as ElementRange[];
        expect(parts, `update of ${count} on ${threads} threads`).toHaveLength(threads);
        expect(parts[0].from).toBe(0);
        parts.forEach((part, p) => expect(part.to, `part ${p} of ${count} on ${threads} threads`).toBe(p + 1 < parts.length ? parts[p + 1].from : count));
        expect(Math.max(...parts.map((part) => part.to - part.from)) - Math.min(...parts.map((part) => part.to - part.from))).toBeLessThanOrEqual(1);
      }
    }
  });
});

describe('sum of squares', () => {
  it('equals the float64 sum for lengths around the vector width', () => {
    for (const count of [0, 1, 3, 4, 5, 17, 785]) {
      free = 0;
      const values = randomFloats(count, count);
      const at = place(values);
      const exact = values.reduce((sum, x) => sum + x * x, 0);
      expect(kernels.exports.sumOfSquares(at, count), `${count} values`).toBeCloseTo(exact, 10);
    }
  });
});

describe('column sums (the bias gradient)', () => {
  it('gives, for every column asked for and no other, the float64 sum down the rows rounded once to float32', () => {
    for (const [rows, width, colFrom, colTo] of [
      [1, 1, 0, 1],
      [7, 3, 0, 3],
      [100, 17, 0, 17],
      [256, 256, 0, 256],
      [5, 785, 3, 781],
      [33, 24, 8, 16],
      [9, 10, 2, 9],
    ]) {
      free = 0;
      // Values of very different magnitudes, so a sum in float32 or in another order would differ.
      const rng = createRng(rows * 1000 + width);
      const values = Float32Array.from({ length: rows * width }, () => rng.normal() * 2 ** Math.floor(rng.next() * 40 - 20));
      const at = place(values);
      const out = place(new Float32Array(width).fill(NaN));
      kernels.exports.columnSums(at, rows, width, colFrom, colTo, out);
      const got = floats.subarray(out / 4, out / 4 + width);
      for (let j = 0; j < width; j++) {
        if (j < colFrom || j >= colTo) {
          expect(got[j], `column ${j} outside ${colFrom}…${colTo - 1} of ${rows}×${width}`).toBeNaN();
          continue;
        }
        let sum = 0;
        for (let r = 0; r < rows; r++) sum += values[r * width + j];
        expect(got[j], `column ${j} of ${rows}×${width}`).toBe(Math.fround(sum));
      }
    }
  });
});

/** One unit in the last place of the float32 |x| (x a float32 value, not 0). */
function ulpOf(x: number): number {
  const bits = new Uint32Array(Float32Array.of(Math.abs(x)).buffer);
  bits[0]++;
  return new Float32Array(bits.buffer)[0] - Math.abs(x);
}

/** Hidden activations with a kernel, by the module's code. */
function kernelActivations(): [HiddenActivation, number][] {
  return [
    ['sigmoid', kernels.exports.ACTIVATION_SIGMOID.value as number],
    ['tanh', kernels.exports.ACTIVATION_TANH.value as number],
  ];
}

/** Row-major blocks of `width` columns: [rows, width, rowFrom, rowTo, colFrom, colTo], off every vector width. */
const BLOCKS = [
  [1, 1, 0, 1, 0, 1],
  [3, 7, 0, 3, 0, 7],
  [4, 17, 1, 3, 2, 15],
  [2, 785, 0, 2, 0, 785],
  [5, 24, 1, 5, 8, 16],
  [9, 10, 0, 9, 3, 4],
] as const;

/** Every element of a rows × width matrix: its index, row and column, and whether `block` holds it. */
function* cells(rows: number, width: number, [rowFrom, rowTo, colFrom, colTo]: readonly number[]): Generator<{ i: number; r: number; j: number; inside: boolean }> {
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < width; j++) yield { i: r * width + j, r, j, inside: r >= rowFrom && r < rowTo && j >= colFrom && j < colTo };
  }
}

/** z values over the whole float32 range the activations meet: tiny, around the branches, saturated, infinite. */
function activationInputs(count: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const special = [0, -0, 1e-30, -1e-30, 1e-7, 0.5, 0.625, -0.625, 0.62499994, 4.6, -4.6, 20, -20, 87, -87, 88.7, -88.7, 100, -100, Infinity, -Infinity];
  return Float32Array.from({ length: count }, (_, i) => (i < special.length ? special[i] : rng.normal() * 2 ** Math.floor(rng.next() * 12 - 6)));
}

describe('the activation kernels (sigmoid and tanh forward)', () => {
  it('are within 3 units in the last place of the float64 function, on any block, writing nothing else', () => {
    // 3 ulp: the polynomial exp (about 1 ulp), then 1 + e and the quotient, each rounded once (0.5 ulp).
    // Below −87 the kernel's exp stops at 1.6e-38, so a sigmoid there is only within that of 0.
    for (const [name, code] of kernelActivations()) {
      const f = ACTIVATIONS[name].forward;
      for (const [rows, width, rowFrom, rowTo, colFrom, colTo] of BLOCKS) {
        free = 0;
        const z = activationInputs(rows * width, rows * 100 + width);
        const zAt = place(z);
        const aAt = place(new Float32Array(rows * width).fill(NaN));
        kernels.exports.activate(code, zAt, aAt, width, rowFrom, rowTo, colFrom, colTo);
        const got = floats.subarray(aAt / 4, aAt / 4 + rows * width);
        for (const { i, r, j, inside } of cells(rows, width, [rowFrom, rowTo, colFrom, colTo])) {
          const where = `${name}(${z[i]}) at row ${r}, column ${j} of block rows ${rowFrom}…${rowTo - 1}, columns ${colFrom}…${colTo - 1}`;
          if (!inside) {
            expect(got[i], where).toBeNaN();
            continue;
          }
          const exact = f(z[i]);
          if (Math.abs(exact) < 2e-38) expect(Math.abs(got[i]), where).toBeLessThanOrEqual(2e-38);
          else expect(Math.abs(got[i] - exact), where).toBeLessThanOrEqual(3 * ulpOf(Math.fround(exact)));
        }
      }
    }
  });

  it('give NaN for NaN, and each element the same bits alone or in a vector with others', () => {
    for (const [name, code] of kernelActivations()) {
      free = 0;
      const z = activationInputs(64, 7);
      z[5] = NaN;
      const zAt = place(z);
      const whole = place(new Float32Array(64));
      const alone = place(new Float32Array(64));
      kernels.exports.activate(code, zAt, whole, 64, 0, 1, 0, 64);
      // Column by column, each one a block of its own, so each goes through the code for leftovers.
      for (let j = 0; j < 64; j++) kernels.exports.activate(code, zAt, alone, 64, 0, 1, j, j + 1);
      const got = floats.subarray(whole / 4, whole / 4 + 64);
      expect(got[5], `${name}(NaN)`).toBeNaN();
      expect(Array.from(floats.subarray(alone / 4, alone / 4 + 64)), name).toEqual(Array.from(got));
    }
  });
});

describe('the derivative kernels (sigmoid and tanh backward)', () => {
  it("give the bits of the table's derivative, delta·f′(a) in float64 rounded once, on any block, writing nothing else", () => {
    for (const [name, code] of kernelActivations()) {
      const derivative = ACTIVATIONS[name].derivative;
      for (const [rows, width, rowFrom, rowTo, colFrom, colTo] of BLOCKS) {
        free = 0;
        const z = activationInputs(rows * width, width);
        const a = Float32Array.from(z, (x) => ACTIVATIONS[name].forward(x));
        const delta = randomFloats(rows * width, rows + width);
        const aAt = place(a);
        const deltaAt = place(delta);
        kernels.exports.derive(code, aAt, deltaAt, width, rowFrom, rowTo, colFrom, colTo);
        const got = floats.subarray(deltaAt / 4, deltaAt / 4 + rows * width);
        for (const { i, r, j, inside } of cells(rows, width, [rowFrom, rowTo, colFrom, colTo])) {
          const want = inside ? Math.fround(delta[i] * derivative(z[i], a[i])) : delta[i];
          expect(got[i], `${name}′ at row ${r}, column ${j} of ${rows}×${width}`).toBe(want);
        }
      }
    }
  });
});

describe('the optimizer kernels', () => {
  it("give the bits of the table's update for every optimizer, range and step, on gradients of every magnitude", () => {
    // [fan-in of a [n, 1] network (n + 1 parameters), first and one past the last parameter updated]
    const ranges = [[1, 0, 2], [1, 1, 2], [2, 0, 3], [16, 3, 17], [784, 0, 785], [784, 100, 613]];
    for (const kind of OPTIMIZER_KINDS) {
      const rule = OPTIMIZERS[kind];
      const values = { ...defaultHyperparameters(), learningRate: 0.037, momentum: 0.85 };
      for (const [fanIn, from, to] of ranges) {
        const spec: NetworkSpec = { ...DEFAULT_SPEC, widths: [fanIn, 1], hiddenActivations: [], batchSize: 1, optimizer: { kind, ...values } };
        const layout = wasmMemoryLayout(spec, 1, kernels.exports.heapBase(), (depth) => kernels.exports.scratchBytes(depth));
        const views = new TrainerViews(spec, layout, kernels);
        const count = fanIn + 1;
        for (const t of [1, 2, 50]) {
          const rng = createRng(count * 10 + t);
          const spread = () => rng.normal() * 2 ** Math.floor(rng.next() * 30 - 20);
          views.parameters.set(Float32Array.from({ length: count }, spread));
          views.gradient.set(Float32Array.from({ length: count }, spread));
          // Slot 1 of adam is v, a running mean of squares: never negative.
          views.slots.forEach((slot, s) => slot.set(Float32Array.from({ length: count }, () => (s === 1 ? Math.abs(spread()) : spread()))));
          const want = { parameters: views.parameters.slice(), slots: views.slots.map((slot) => slot.slice()) };
          const stepSize = rule.stepSize(values, t);
          rule.update(values, want.parameters.subarray(from, to), views.gradient.subarray(from, to), want.slots.map((slot) => slot.subarray(from, to)), stepSize);
          views.update(from, to, stepSize);
          const where = `${kind}, parameters ${from}…${to - 1} of ${count}, step ${t}`;
          expect(Array.from(views.parameters), where).toEqual(Array.from(want.parameters));
          views.slots.forEach((slot, s) => expect(Array.from(slot), `${where}, slot ${s}`).toEqual(Array.from(want.slots[s])));
        }
      }
    }
  });
});
