/**
 * The float32 WebAssembly trainer on one thread in this Node process, on a prepared case: the
 * one-thread run the Node tests check against the reference, and the one the page's several-worker
 * runs must equal bit for bit (tests/browser/wasm-vs-cpu.test.ts). Node only: it reads the kernel
 * binary from disk.
 */
import { readFileSync } from 'node:fs';
import { WasmSession } from '../../src/train/wasm-session';
import type { PreparedCase } from './gpu-cases';
import type { SessionCaseResult } from './gpu-wire';
import { runSessionCase } from './session-case';

/** The single-thread kernel binary, built by scripts/build-wasm.mjs before the tests. */
export const kernels = new WebAssembly.Module(readFileSync(new URL('../../asm/build/products.wasm', import.meta.url)));

/** A one-thread session of the case, from its initial parameters. */
export function openSession(prepared: PreparedCase): Promise<WasmSession> {
  return WasmSession.create({ spec: prepared.spec, dataset: prepared.dataset, initialParameters: prepared.initial, threads: 1, module: async () => kernels });
}

/** Runs the case on one thread here, as the page's harness runs it in workers. */
export async function runInThisThread(prepared: PreparedCase): Promise<SessionCaseResult> {
  const session = await openSession(prepared);
  try {
    return await runSessionCase(session, prepared.wire, () => session.readGradient());
  } finally {
    session.dispose();
  }
}
