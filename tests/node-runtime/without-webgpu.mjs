// `node --import ./tests/node-runtime/without-webgpu.mjs …` runs a command as on a machine where the
// optional package webgpu is not installed: resolving it, by name or by its files' path, fails as
// Node fails for a missing package. For the tests of the runtime fallback.
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

/** A module-resolution hook: everything resolves as usual except the webgpu package. */
export async function resolve(specifier, context, nextResolve) {
  if (/^webgpu(\/|$)/.test(specifier) || /[\\/]node_modules[\\/]webgpu[\\/]/.test(specifier)) {
    const error = new Error(`Cannot find package 'webgpu' imported from ${context.parentURL ?? 'the command line'}`);
    error.code = 'ERR_MODULE_NOT_FOUND';
    throw error;
  }
  return nextResolve(specifier, context);
}

// Node loads this file again on its hooks thread; only the main thread registers it.
if (isMainThread) register(import.meta.url);
