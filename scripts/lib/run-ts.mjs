// Runs one of the TypeScript headless scripts (scripts/train.ts, scripts/experiment.ts,
// scripts/bench.ts) in Node. Node 20 cannot load TypeScript by itself, so a Vite dev server
// transforms the script and everything it imports from src/ — the very modules the page uses —
// and its SSR environment's module runner executes them here in Node.
// The same server serves the pages the scripts open in headless Chromium; it only starts
// listening when a script asks for a browser.
//
// Usage: node scripts/lib/run-ts.mjs <script.ts> [arguments for the script]
import { createServer, isRunnableDevEnvironment } from 'vite';
import { fileURLToPath } from 'node:url';
import { resolve, relative } from 'node:path';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const [scriptPath, ...scriptArgs] = process.argv.slice(2);
if (!scriptPath) {
  console.error('usage: node scripts/lib/run-ts.mjs <script.ts> [arguments]');
  process.exit(2);
}

const server = await createServer({
  configFile: resolve(projectRoot, 'vite.config.ts'),
  root: projectRoot,
  server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false },
  logLevel: 'error',
  // Its own dependency cache: the test runs start Vite servers at the same time, and two servers
  // optimising dependencies into one folder can pull it from under each other.
  cacheDir: resolve(projectRoot, 'node_modules/.vite-scripts'),
  // TensorFlow.js's Node builds leave out the gradients, and its ES modules import each other
  // without file extensions, which Node alone cannot resolve: Vite loads them, for the benchmark's
  // TF.js side on the Node runtime.
  ssr: { noExternal: [/^@tensorflow\//] },
});

let exitCode = 1;
try {
  const modulePath = `/${relative(projectRoot, resolve(process.cwd(), scriptPath)).split('\\').join('/')}`;
  const ssr = server.environments.ssr;
  if (!isRunnableDevEnvironment(ssr)) throw new Error('the Vite config replaced the SSR environment with one that cannot run modules in this process');
  const script = await ssr.runner.import(modulePath);
  if (typeof script.main !== 'function') throw new Error(`${scriptPath} does not export a main(args, host) function`);
  exitCode = await script.main(scriptArgs, {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    isTTY: Boolean(process.stderr.isTTY),
    // npm runs scripts from the project root; INIT_CWD is where the user typed the command.
    cwd: process.env.INIT_CWD ?? process.cwd(),
    projectRoot,
    // Starts the server on a free port of 127.0.0.1 (a secure context, so WebGPU is exposed) and
    // returns its base URL.
    async serve() {
      if (!server.httpServer?.listening) await server.listen();
      const address = server.httpServer?.address();
      if (!address || typeof address === 'string') throw new Error('the Vite dev server did not report a port');
      return `http://127.0.0.1:${address.port}`;
    },
  });
} catch (error) {
  // A GPU runtime that cannot start is a fact about this machine the user can change, like a missing
  // browser: its message says why and what to do, it exits 2 as every user error does, and a stack
  // trace (exit 1) is kept for bugs.
  const userFacing = error instanceof Error && error.name === 'RuntimeUnavailableError';
  console.error(error instanceof Error ? (userFacing ? `error: ${error.message}` : (error.stack ?? error.message)) : String(error));
  exitCode = userFacing ? 2 : 1;
} finally {
  await server.close();
}
process.exit(exitCode);
