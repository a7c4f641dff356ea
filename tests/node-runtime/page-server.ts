/**
 * A Vite dev server of the project, for the pages the Chromium runtime opens (scripts/pages/), as
 * scripts/lib/run-ts.mjs serves them when a command runs from npm: the Node-runtime tests run the
 * commands' main in this process and compare the two runtimes.
 */
import { join } from 'node:path';
import { createServer } from 'vite';
import { projectRoot } from '../unit/script-harness';

/** A running page server. */
export interface PageServer {
  /** Its address, what ScriptHost.serve answers, e.g. "http://127.0.0.1:41234". */
  baseUrl: string;
  /** Stops it. */
  close(): Promise<void>;
}

/** Starts the project's dev server on a free port of 127.0.0.1 (a secure context for navigator.gpu). */
export async function startPageServer(): Promise<PageServer> {
  const server = await createServer({ configFile: join(projectRoot, 'vite.config.ts'), server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false }, logLevel: 'error' });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') {
    await server.close();
    throw new Error('the Vite dev server did not report a port');
  }
  return { baseUrl: `http://127.0.0.1:${address.port}`, close: () => server.close() };
}
