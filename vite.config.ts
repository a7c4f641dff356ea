import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

/**
 * The production page runs only its own files: scripts, the workers, styles, and the fetches of
 * the MNIST asset and the WebAssembly kernels, all from its origin. Images may also be data: or
 * blob: URLs (the icon is a data: URL). 'wasm-unsafe-eval' lets the page's own WebAssembly compile
 * (the float32 CPU path) and nothing else: it does not admit eval() or inline scripts.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data: blob:; base-uri 'none'; form-action 'none'; object-src 'none'";

/**
 * Cross-origin isolation: with these the browser gives the page SharedArrayBuffer, so the float32
 * WebAssembly path can split its products across several workers over one memory. The page loads
 * nothing from other origins, so requiring CORP of cross-origin resources blocks nothing. A host
 * of the production build must send them too (README, "The WebAssembly path").
 */
export const CROSS_ORIGIN_ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * Puts the policy into the built index.html. Build only: the dev server's client injects inline
 * styles and opens a websocket, which the policy would block.
 */
function contentSecurityPolicy(): Plugin {
  return {
    name: 'content-security-policy',
    apply: 'build',
    transformIndexHtml() {
      return [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY }, injectTo: 'head-prepend' }];
    },
  };
}

export default defineConfig({
  plugins: [contentSecurityPolicy()],
  server: { host: '127.0.0.1', headers: CROSS_ORIGIN_ISOLATION_HEADERS },
  preview: { host: '127.0.0.1', headers: CROSS_ORIGIN_ISOLATION_HEADERS },
  build: {
    target: 'es2022',
    // The WebAssembly kernels are smaller than the inlining limit, but as data: URLs their fetch
    // would need connect-src data: under the policy; as files they are fetched from 'self' and cached.
    assetsInlineLimit: (file: string) => (file.endsWith('.wasm') ? false : undefined),
  },
  // Found up front, a cold dev server does not discover them on the first page load, re-optimise,
  // and answer that load with "504 Outdated Optimize Dep".
  optimizeDeps: { include: ['lit', '@lit/task', 'uplot'] },
  test: {
    reporters: ['default', './tests/summary-reporter.ts'],
    globalSetup: ['./tests/global-setup.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
          // The MNIST check decodes 10,000 digits and parses the package's 21 MB of JSON; on a
          // loaded 2-core machine that takes longer than Vitest's 5 s default.
          testTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['tests/browser/**/*.test.ts'],
          environment: 'node',
          // Each file drives one headless Chromium through SwiftShader; running them one at a
          // time keeps a 2-core machine from thrashing.
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'node-runtime',
          include: ['tests/node-runtime/**/*.test.ts'],
          environment: 'node',
          // The GPU engine in this process on Node's WebGPU (Dawn); one file also drives Chromium.
          // One file at a time, and after the other projects, so SwiftShader never runs twice at once on 2 cores.
          fileParallelism: false,
          sequence: { groupOrder: 1 },
          testTimeout: 300_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
