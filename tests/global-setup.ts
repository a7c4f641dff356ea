/**
 * Runs once before any test file: builds the MNIST asset (public/data/mnist.bin) and the
 * WebAssembly kernels (asm/build/*.wasm) when they are missing or out of date, so `npx vitest run`
 * in a fresh clone needs no step of its own first. The unit tests read them from disk and the
 * browser tests fetch them from the dev server.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(process.execPath, ['scripts/build-mnist.mjs'], { cwd: root, stdio: 'inherit', timeout: 300_000 });
  execFileSync(process.execPath, ['scripts/build-wasm.mjs'], { cwd: root, stdio: 'inherit', timeout: 300_000 });
}
