// The element-wise work of the float32 CPU trainer that costs most in TypeScript, in WebAssembly
// SIMD: the hidden activations that need exp (sigmoid, tanh) and their derivatives, and the
// optimizers' updates. The host (src/wasm/views.ts) calls these for the table entries they
// cover and runs the table's TypeScript for any other.
//
// - The derivatives and the updates compute in float64 lanes, in the order of the TypeScript
//   rules in src/model (activations.ts, optimizers.ts), rounding to float32 only where those
//   store into a Float32Array. Their results are those rules' bits, exactly.
// - The forward sigmoid and tanh compute in float32 lanes with a polynomial exp: within a few
//   units in the last place of the float64 function rounded to float32, not its bits.
//
// Every element's result depends on that element alone, never on its place in a vector: an
// element left over past the last whole vector goes through the same vector code, alone in its
// lanes. So any split of a block between threads gives the bits of the whole.

/** Codes of the activations `activate` and `derive` compute. */
export const ACTIVATION_SIGMOID: i32 = 0;
export const ACTIVATION_TANH: i32 = 1;

/**
 * e^x in each float32 lane, for x ≤ 0 (NaN stays NaN). x = n·ln 2 + r with |r| ≤ ln 2 / 2 (ln 2
 * split in two so that n·ln 2 is exact), e^r by a degree-5 polynomial (Cephes' expf), and 2^n
 * from the exponent bits. x is first raised to −87, where 2^n is still a normal float: e^x is
 * then 1.6e-38 instead of a smaller number.
 */
// @ts-ignore: decorator
@inline function expNonPositive(x: v128): v128 {
  x = f32x4.max(x, f32x4.splat(-87.0));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504088896341)));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  const er = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), f32x4.splat(1));
  const twoToN = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(er, twoToN);
}

/** 1 / (1 + e^−z) for z ≥ 0 and e^z / (1 + e^z) below, as the TypeScript rule branches. */
// @ts-ignore: decorator
@inline function sigmoid(z: v128): v128 {
  const e = expNonPositive(f32x4.neg(f32x4.abs(z)));
  const onePlusE = f32x4.add(f32x4.splat(1), e);
  return v128.bitselect(f32x4.div(f32x4.splat(1), onePlusE), f32x4.div(e, onePlusE), f32x4.ge(z, f32x4.splat(0)));
}

/**
 * tanh z: for |z| < 0.625 an odd polynomial (Cephes' tanhf), above it (1 − e) / (1 + e) with
 * e = e^(−2|z|), which does not cancel there; then z's sign.
 */
// @ts-ignore: decorator
@inline function tanh(z: v128): v128 {
  const x = f32x4.abs(z);
  const x2 = f32x4.mul(x, x);
  let p = f32x4.splat(-5.70498872745e-3);
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(2.06390887954e-2));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(-5.37397155531e-2));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(1.33314422036e-1));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(-3.33332819422e-1));
  const small = f32x4.add(f32x4.mul(f32x4.mul(p, x2), x), x);
  const e = expNonPositive(f32x4.mul(x, f32x4.splat(-2)));
  const large = f32x4.div(f32x4.sub(f32x4.splat(1), e), f32x4.add(f32x4.splat(1), e));
  const magnitude = v128.bitselect(small, large, f32x4.lt(x, f32x4.splat(0.625)));
  return v128.or(magnitude, v128.and(z, f32x4.splat(-0.0)));
}

// @ts-ignore: decorator
@inline function activation(kind: i32, z: v128): v128 {
  return kind == ACTIVATION_SIGMOID ? sigmoid(z) : tanh(z);
}

/**
 * a[i] = f(z[i]) for rows rowFrom ≤ r < rowTo and columns colFrom ≤ j < colTo of two row-major
 * matrices of `width` floats a row; f is ACTIVATION_SIGMOID or ACTIVATION_TANH.
 */
export function activate(kind: i32, z: usize, a: usize, width: i32, rowFrom: i32, rowTo: i32, colFrom: i32, colTo: i32): void {
  for (let r = rowFrom; r < rowTo; r++) {
    const rowStart = <usize>(r * width) * 4;
    let j = colFrom;
    for (; j + 4 <= colTo; j += 4) {
      const at = rowStart + <usize>j * 4;
      v128.store(a + at, activation(kind, v128.load(z + at)));
    }
    for (; j < colTo; j++) {
      const at = rowStart + <usize>j * 4;
      store<f32>(a + at, f32x4.extract_lane(activation(kind, f32x4.splat(load<f32>(z + at))), 0));
    }
  }
}

// @ts-ignore: decorator
@inline function derivativeLanes(kind: i32, a: v128): v128 {
  return kind == ACTIVATION_SIGMOID
    ? f64x2.mul(a, f64x2.sub(f64x2.splat(1), a))
    : f64x2.sub(f64x2.splat(1), f64x2.mul(a, a));
}

// The float64 kernels below take two floats at a time, and an element left over alone in the low
// lane (`pair` false), so it goes through the very same operations. Each kernel's formula is
// written once, in a function inlined twice with a constant `pair`.

/** Two floats at `at` (one when not `pair`, the other lane 0) widened to float64 lanes. */
// @ts-ignore: decorator
@inline function loadLanes(at: usize, pair: bool): v128 {
  return f64x2.promote_low_f32x4(pair ? v128.load64_zero(at) : v128.load32_zero(at));
}

/** Float64 lanes rounded to float32 and stored at `at`: both, or the low one when not `pair`. */
// @ts-ignore: decorator
@inline function storeLanes(at: usize, values: v128, pair: bool): void {
  const rounded = f32x4.demote_f64x2_zero(values);
  if (pair) v128.store64_lane(at, rounded, 0);
  else v128.store32_lane(at, rounded, 0);
}

// @ts-ignore: decorator
@inline function deriveAt(kind: i32, a: usize, delta: usize, pair: bool): void {
  storeLanes(delta, f64x2.mul(loadLanes(delta, pair), derivativeLanes(kind, loadLanes(a, pair))), pair);
}

/**
 * delta[i] ← delta[i] · f′(a[i]) over a block as `activate` takes it, f′ in float64 and the
 * product rounded once (the derivative rule of src/model/activations.ts, bit for bit).
 */
export function derive(kind: i32, a: usize, delta: usize, width: i32, rowFrom: i32, rowTo: i32, colFrom: i32, colTo: i32): void {
  for (let r = rowFrom; r < rowTo; r++) {
    const rowStart = <usize>(r * width) * 4;
    let j = colFrom;
    for (; j + 2 <= colTo; j += 2) deriveAt(kind, a + rowStart + <usize>j * 4, delta + rowStart + <usize>j * 4, true);
    if (j < colTo) deriveAt(kind, a + rowStart + <usize>j * 4, delta + rowStart + <usize>j * 4, false);
  }
}

// @ts-ignore: decorator
@inline function sgdAt(p: usize, g: usize, lr: v128, pair: bool): void {
  storeLanes(p, f64x2.sub(loadLanes(p, pair), f64x2.mul(lr, loadLanes(g, pair))), pair);
}

/** p ← p − lr·g over `count` floats (the sgd rule, bit for bit). */
export function sgdUpdate(p: usize, g: usize, count: i32, learningRate: f64): void {
  const lr = f64x2.splat(learningRate);
  let at: usize = 0;
  const end = <usize>count * 4;
  for (; at + 8 <= end; at += 8) sgdAt(p + at, g + at, lr, true);
  if (at < end) sgdAt(p + at, g + at, lr, false);
}

// @ts-ignore: decorator
@inline function momentumAt(p: usize, g: usize, velocity: usize, lr: v128, mu: v128, pair: bool): void {
  storeLanes(velocity, f64x2.sub(f64x2.mul(mu, loadLanes(velocity, pair)), f64x2.mul(lr, loadLanes(g, pair))), pair);
  storeLanes(p, f64x2.add(loadLanes(p, pair), loadLanes(velocity, pair)), pair);
}

/** v ← μ·v − lr·g (stored as float32), then p ← p + v, over `count` floats (the momentum rule, bit for bit). */
export function momentumUpdate(p: usize, g: usize, velocity: usize, count: i32, learningRate: f64, momentum: f64): void {
  const lr = f64x2.splat(learningRate);
  const mu = f64x2.splat(momentum);
  let at: usize = 0;
  const end = <usize>count * 4;
  for (; at + 8 <= end; at += 8) momentumAt(p + at, g + at, velocity + at, lr, mu, true);
  if (at < end) momentumAt(p + at, g + at, velocity + at, lr, mu, false);
}

// @ts-ignore: decorator
@inline function adamAt(p: usize, g: usize, m: usize, v: usize, b1: v128, b2: v128, c1: v128, c2: v128, alpha: v128, eps: v128, pair: bool): void {
  const gradient = loadLanes(g, pair);
  storeLanes(m, f64x2.add(f64x2.mul(b1, loadLanes(m, pair)), f64x2.mul(c1, gradient)), pair);
  storeLanes(v, f64x2.add(f64x2.mul(b2, loadLanes(v, pair)), f64x2.mul(f64x2.mul(c2, gradient), gradient)), pair);
  const step = f64x2.div(f64x2.mul(alpha, loadLanes(m, pair)), f64x2.add(f64x2.sqrt(loadLanes(v, pair)), eps));
  storeLanes(p, f64x2.sub(loadLanes(p, pair), step), pair);
}

/**
 * m ← β1·m + (1 − β1)·g; v ← β2·v + (1 − β2)·g·g (each stored as float32); p ← p − α·m / (√v + ε),
 * over `count` floats, α this update's step size (the adam rule, bit for bit).
 */
export function adamUpdate(p: usize, g: usize, m: usize, v: usize, count: i32, stepSize: f64, beta1: f64, beta2: f64, epsilon: f64): void {
  const b1 = f64x2.splat(beta1);
  const b2 = f64x2.splat(beta2);
  const c1 = f64x2.splat(1 - beta1);
  const c2 = f64x2.splat(1 - beta2);
  const alpha = f64x2.splat(stepSize);
  const eps = f64x2.splat(epsilon);
  let at: usize = 0;
  const end = <usize>count * 4;
  for (; at + 8 <= end; at += 8) adamAt(p + at, g + at, m + at, v + at, b1, b2, c1, c2, alpha, eps, true);
  if (at < end) adamAt(p + at, g + at, m + at, v + at, b1, b2, c1, c2, alpha, eps, false);
}
