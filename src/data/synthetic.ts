/**
 * Seeded 2-D toy datasets for watching a network learn a decision boundary.
 *
 * Scale: without noise every point lies in the square [-1, 1]², so the inputs need no
 * normalisation and a freshly initialised network starts in the useful range of its activations.
 * Noise is an isotropic Gaussian displacement added after the class is decided: `noise` is its
 * standard deviation in the same units as the coordinates, so noise 0.1 moves a point about a
 * tenth of the half-width of the square, and classes begin to overlap.
 *
 * Geometry without noise (the class of a point is decided by where it was placed):
 * - circle: class 1 fills the disc of radius 0.5, class 0 the ring 0.7 ≤ r ≤ 1 (the gap keeps the
 *   noise-free set separable by the circle r = 0.6).
 * - xor: each coordinate has magnitude in [0.05, 1]; class 1 when x and y have opposite signs.
 * - gaussians: class 1 around (0.5, 0.5), class 0 around (−0.5, −0.5), each a Gaussian with
 *   σ = 0.15 cut off at 3σ, so the line x + y = 0 separates them.
 * - spiral, spiral-k: arm a of K (a = class) is the curve r ∈ [0.05, 1],
 *   θ = 3.5π·r + 2π·a/K (1.75 turns); K = 2 for the binary spiral.
 * - blobs: centre k at radius 0.55, angle 2π·k/K; spread σ = min(0.15, 0.3·h) cut off at 3σ,
 *   where h = 0.55·sin(π/K) is half the distance between neighbouring centres, so every point is
 *   nearer its own centre than any other.
 *
 * Classes are balanced: sample i belongs to class i mod K before the seeded split.
 */
import type { Dataset } from '../model/dataset';
import { seedProblems, splitRows, testCountFor } from './split';
import { createRng, deriveSeed, type Rng } from '../model/rng';

/** Identifier of a synthetic dataset. */
export type SyntheticKind = 'circle' | 'xor' | 'gaussians' | 'spiral' | 'spiral-k' | 'blobs';

/** One entry of the dataset menu. */
export interface SyntheticKindInfo {
  /** Identifier passed to makeSyntheticDataset. */
  kind: SyntheticKind;
  /** Menu label. */
  label: string;
  /** One sentence on the geometry, for a tooltip. */
  description: string;
  /** True: K one-hot target columns (softmax output). False: one 0/1 target column (sigmoid output). */
  multiclass: boolean;
  /** Sample count used when the options give none. */
  defaultSamples: number;
  /** Noise (Gaussian σ in coordinate units) used when the options give none. */
  defaultNoise: number;
  /** Class count used when the options give none; 2 for the binary kinds. */
  defaultClasses: number;
  /** Smallest accepted class count (equal to maxClasses for binary kinds). */
  minClasses: number;
  /** Largest accepted class count. */
  maxClasses: number;
}

/** The synthetic datasets, in menu order. The UI builds its dataset menu from this table. */
export const SYNTHETIC_KINDS: readonly SyntheticKindInfo[] = [
  {
    kind: 'circle',
    label: 'Circle',
    description: 'A disc of class 1 inside a ring of class 0.',
    multiclass: false,
    defaultSamples: 500,
    defaultNoise: 0.1,
    defaultClasses: 2,
    minClasses: 2,
    maxClasses: 2,
  },
  {
    kind: 'xor',
    label: 'XOR',
    description: 'Class 1 in the quadrants where x and y have opposite signs.',
    multiclass: false,
    defaultSamples: 500,
    defaultNoise: 0.1,
    defaultClasses: 2,
    minClasses: 2,
    maxClasses: 2,
  },
  {
    kind: 'gaussians',
    label: 'Two Gaussians',
    description: 'Two Gaussian clouds on either side of the line x + y = 0.',
    multiclass: false,
    defaultSamples: 500,
    defaultNoise: 0.1,
    defaultClasses: 2,
    minClasses: 2,
    maxClasses: 2,
  },
  {
    kind: 'spiral',
    label: 'Spiral',
    description: 'Two interleaved spiral arms, one per class.',
    multiclass: false,
    defaultSamples: 500,
    defaultNoise: 0.03,
    defaultClasses: 2,
    minClasses: 2,
    maxClasses: 2,
  },
  {
    kind: 'spiral-k',
    label: 'Spiral, K classes',
    description: 'K interleaved spiral arms, one-hot targets.',
    multiclass: true,
    defaultSamples: 600,
    defaultNoise: 0.02,
    defaultClasses: 3,
    minClasses: 2,
    maxClasses: 10,
  },
  {
    kind: 'blobs',
    label: 'Blobs, K classes',
    description: 'K Gaussian clusters on a circle, one-hot targets.',
    multiclass: true,
    defaultSamples: 600,
    defaultNoise: 0.05,
    defaultClasses: 4,
    minClasses: 2,
    maxClasses: 10,
  },
];

/** What to generate. Everything but kind and seed has a default from SYNTHETIC_KINDS. */
export interface SyntheticOptions {
  /** Which dataset. */
  kind: SyntheticKind;
  /** Total samples, train and test together (integer, at least the class count, at most 1,000,000). */
  samples?: number;
  /** Gaussian σ added to each coordinate, in coordinate units, 0 to 1. */
  noise?: number;
  /** Fraction of samples held out for testing, in [0, 1); 0.2 when not given. */
  testFraction?: number;
  /** Number of classes for the multiclass kinds (2 to 10); binary kinds accept only 2. */
  classes?: number;
  /** Seed of the points and of the split; the same options give the same bytes. */
  seed: number;
}

const MAX_SAMPLES = 1_000_000;
const DEFAULT_TEST_FRACTION = 0.2;

/** The table entry of `kind`; throws a RangeError listing the known kinds for any other name. */
export function syntheticKindInfo(kind: SyntheticKind): SyntheticKindInfo {
  const info = findKind(kind);
  if (!info) throw new RangeError(unknownKindMessage(kind));
  return info;
}

function findKind(kind: unknown): SyntheticKindInfo | undefined {
  return SYNTHETIC_KINDS.find((entry) => entry.kind === kind);
}

function unknownKindMessage(kind: unknown): string {
  return `unknown synthetic dataset "${String(kind)}"; choose one of ${SYNTHETIC_KINDS.map((entry) => entry.kind).join(', ')}`;
}

/**
 * Every option makeSyntheticDataset cannot accept, one message each naming the option and its
 * value; empty when it can build the set. An unknown kind is the only message (nothing else can
 * be judged without its table entry).
 */
export function syntheticOptionProblems(options: SyntheticOptions): string[] {
  const info = findKind(options.kind);
  if (!info) return [unknownKindMessage(options.kind)];
  const { samples, noise, classes, testFraction } = withDefaults(options, info);
  const problems = seedProblems(options.seed);
  const classesValid = Number.isInteger(classes) && classes >= info.minClasses && classes <= info.maxClasses;
  if (!classesValid) {
    problems.push(
      info.minClasses === info.maxClasses
        ? `${info.kind} has exactly ${info.minClasses} classes, got ${classes}; use spiral-k or blobs for more`
        : `${info.kind} takes ${info.minClasses} to ${info.maxClasses} classes, got ${classes}`,
    );
  }
  // Every class needs a sample; with the class count itself wrong, its smallest valid value stands in.
  const fewestSamples = classesValid ? classes : info.minClasses;
  const samplesValid = Number.isInteger(samples) && samples >= fewestSamples && samples <= MAX_SAMPLES;
  if (!samplesValid) {
    problems.push(`samples must be an integer from ${fewestSamples} (one per class) to ${MAX_SAMPLES}, got ${samples}`);
  }
  if (!(noise >= 0 && noise <= 1)) {
    problems.push(`noise must be in [0, 1] (a Gaussian σ in coordinate units), got ${noise}`);
  }
  if (samplesValid) {
    try {
      testCountFor(samples, testFraction);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  return problems;
}

/** The options with the table's defaults filled in. */
function withDefaults(options: SyntheticOptions, info: SyntheticKindInfo): Required<SyntheticOptions> {
  return {
    kind: info.kind,
    samples: options.samples ?? info.defaultSamples,
    noise: options.noise ?? info.defaultNoise,
    classes: options.classes ?? info.defaultClasses,
    testFraction: options.testFraction ?? DEFAULT_TEST_FRACTION,
    seed: options.seed,
  };
}

/** Builds the dataset described by `options`; throws a RangeError naming the first value it cannot accept. */
export function makeSyntheticDataset(options: SyntheticOptions): Dataset {
  const [problem] = syntheticOptionProblems(options);
  if (problem !== undefined) throw new RangeError(problem);
  const info = syntheticKindInfo(options.kind);
  const { samples, noise, classes, testFraction, seed } = withDefaults(options, info);
  const testCount = testCountFor(samples, testFraction);

  const rng = createRng(deriveSeed(seed, `synthetic ${info.kind} points`));
  const place = PLACERS[info.kind];
  const x = new Float32Array(samples * 2);
  const outputSize = info.multiclass ? classes : 1;
  const y = new Float32Array(samples * outputSize);
  const point: [number, number] = [0, 0];
  for (let i = 0; i < samples; i++) {
    const label = i % classes;
    place(label, classes, rng, point);
    x[2 * i] = point[0] + noise * rng.normal();
    x[2 * i + 1] = point[1] + noise * rng.normal();
    if (info.multiclass) y[i * outputSize + label] = 1;
    else y[i] = label;
  }
  const dataset = splitRows(
    { name: info.kind, inputSize: 2, outputSize, count: samples, x, y },
    testCount,
    deriveSeed(seed, `synthetic ${info.kind} split`),
  );
  dataset.classNames = Array.from({ length: classes }, (_, k) => String(k));
  return dataset;
}

/** Writes the noise-free position of one point of class `label` (of `classes`) into `out`. */
type Placer = (label: number, classes: number, rng: Rng, out: [number, number]) => void;

const CIRCLE_INNER_RADIUS = 0.5;
const CIRCLE_RING_INNER = 0.7;
const XOR_MIN_MAGNITUDE = 0.05;
const GAUSSIAN_CENTRE = 0.5;
const GAUSSIAN_SIGMA = 0.15;
const SPIRAL_MIN_RADIUS = 0.05;
const SPIRAL_TURNS = 1.75;
const BLOB_CENTRE_RADIUS = 0.55;
/** Gaussian clusters are cut off at this many σ so that noise-free sets stay separable. */
const CUTOFF_SIGMAS = 3;

const PLACERS: Record<SyntheticKind, Placer> = {
  circle(label, _classes, rng, out) {
    // Radii drawn so that points are uniform over the area of the disc or the ring.
    const r =
      label === 1
        ? CIRCLE_INNER_RADIUS * Math.sqrt(rng.next())
        : Math.sqrt(CIRCLE_RING_INNER ** 2 + rng.next() * (1 - CIRCLE_RING_INNER ** 2));
    polar(r, 2 * Math.PI * rng.next(), out);
  },
  xor(label, _classes, rng, out) {
    const signX = rng.next() < 0.5 ? -1 : 1;
    const signY = label === 1 ? -signX : signX;
    out[0] = signX * (XOR_MIN_MAGNITUDE + (1 - XOR_MIN_MAGNITUDE) * rng.next());
    out[1] = signY * (XOR_MIN_MAGNITUDE + (1 - XOR_MIN_MAGNITUDE) * rng.next());
  },
  gaussians(label, _classes, rng, out) {
    const centre = label === 1 ? GAUSSIAN_CENTRE : -GAUSSIAN_CENTRE;
    truncatedGaussian(GAUSSIAN_SIGMA, rng, out);
    out[0] += centre;
    out[1] += centre;
  },
  spiral: spiralArm,
  'spiral-k': spiralArm,
  blobs(label, classes, rng, out) {
    const halfGap = BLOB_CENTRE_RADIUS * Math.sin(Math.PI / classes);
    truncatedGaussian(Math.min(GAUSSIAN_SIGMA, 0.3 * halfGap), rng, out);
    const angle = (2 * Math.PI * label) / classes;
    out[0] += BLOB_CENTRE_RADIUS * Math.cos(angle);
    out[1] += BLOB_CENTRE_RADIUS * Math.sin(angle);
  },
};

function spiralArm(label: number, classes: number, rng: Rng, out: [number, number]): void {
  const r = SPIRAL_MIN_RADIUS + (1 - SPIRAL_MIN_RADIUS) * rng.next();
  polar(r, 2 * Math.PI * (SPIRAL_TURNS * r + label / classes), out);
}

function polar(r: number, angle: number, out: [number, number]): void {
  out[0] = r * Math.cos(angle);
  out[1] = r * Math.sin(angle);
}

/** An isotropic 2-D Gaussian offset of deviation sigma, redrawn until it lies within CUTOFF_SIGMAS·σ. */
function truncatedGaussian(sigma: number, rng: Rng, out: [number, number]): void {
  do {
    out[0] = sigma * rng.normal();
    out[1] = sigma * rng.normal();
  } while (Math.hypot(out[0], out[1]) > CUTOFF_SIGMAS * sigma);
}
