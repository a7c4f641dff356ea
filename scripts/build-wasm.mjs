// Compiles the AssemblyScript kernels of the float32 CPU path (asm/*.ts) into the two binaries the
// trainer loads (src/wasm/kernels.ts): asm/build/products.wasm over ordinary memory, for one
// thread, and asm/build/products-shared.wasm over shared memory, for several. Both use 128-bit SIMD;
// the compiler is the `assemblyscript` npm package (JavaScript and binaryen.js, no native tools).
// Runs before `dev`, `build` and `test`, and before `npm run train -- --backend wasm`; does nothing
// when both binaries are newer than their inputs.
import asc from 'assemblyscript/asc';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = join(root, 'asm');
const outputDir = join(sourceDir, 'build');
const entry = join(sourceDir, 'products.ts');

/** Flags of every build: SIMD, no garbage collector (the kernels allocate nothing), the host's memory, no assertion messages. */
const COMMON_FLAGS = ['--enable', 'simd', '--runtime', 'stub', '--importMemory', '--noExportMemory', '--optimizeLevel', '3', '--shrinkLevel', '0', '--noAssert', '--use', 'abort='];
const BUILDS = [
  { output: join(outputDir, 'products.wasm'), flags: [] },
  // A shared memory must declare its largest size: 65,536 pages (4 GiB) admits any memory the host makes.
  { output: join(outputDir, 'products-shared.wasm'), flags: ['--enable', 'threads', '--sharedMemory', '--maximumMemory', '65536'] },
];

const inputs = [
  ...readdirSync(sourceDir).filter((name) => name.endsWith('.ts')).map((name) => join(sourceDir, name)),
  fileURLToPath(import.meta.url),
  createRequire(import.meta.url).resolve('assemblyscript/package.json'),
];

function isUpToDate(output) {
  if (!existsSync(output)) return false;
  const newestInput = Math.max(...inputs.map((file) => statSync(file).mtimeMs));
  return statSync(output).mtimeMs >= newestInput && statSync(output).size > 0;
}

const stale = BUILDS.filter((build) => !isUpToDate(build.output));
if (stale.length === 0) {
  console.log(`WebAssembly kernels up to date: ${BUILDS.map((build) => relative(root, build.output)).join(', ')}`);
  process.exit(0);
}

mkdirSync(outputDir, { recursive: true });
for (const build of stale) {
  // Write then rename, so a dev server or test reading the binary never sees half a file.
  const partial = build.output.replace(/\.wasm$/, `.${process.pid}.partial.wasm`);
  const { error, stderr } = await asc.main([entry, ...COMMON_FLAGS, ...build.flags, '--outFile', partial]);
  if (error) {
    console.error(stderr.toString());
    console.error(`compiling ${relative(root, entry)} into ${relative(root, build.output)} failed: ${error.message}`);
    process.exit(1);
  }
  renameSync(partial, build.output);
  console.log(`WebAssembly kernels written: ${relative(root, build.output)}, ${statSync(build.output).size} bytes`);
}
