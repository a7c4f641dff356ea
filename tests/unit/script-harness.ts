/**
 * Runs a headless script's `main(args, host)` in this process with captured output, and looks at
 * what it left on disk: the tests of the command lines share these.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { ScriptHost } from '../../scripts/lib/host';

/** The project's root, where package.json is. */
export const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

/** What a script run printed and returned. */
export interface ScriptResult {
  /** The exit code main returned. */
  code: number;
  /** Everything written to standard output. */
  stdout: string;
  /** Everything written to standard error. */
  stderr: string;
}

/**
 * Runs `main` with `args` as if typed in `cwd`. A browser is never started (serve fails the run)
 * unless `serve` is given: it then answers the address of a server of the script pages.
 */
export async function runScript(
  main: (args: string[], host: ScriptHost) => Promise<number>,
  args: string[],
  cwd: string,
  serve: ScriptHost['serve'] = () => Promise.reject(new Error('this run must not start a server')),
): Promise<ScriptResult> {
  let stdout = '';
  let stderr = '';
  const host: ScriptHost = {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    isTTY: false,
    cwd,
    projectRoot,
    serve,
  };
  const code = await main(args, host);
  return { code, stdout, stderr };
}

/** Every file and folder under `dir` with a hash of each file's content: equal before and after means nothing was changed or left behind. */
export function filesUnder(dir: string): Record<string, string> {
  const found: Record<string, string> = {};
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      const name = relative(dir, path);
      if (entry.isSymbolicLink()) {
        found[name] = `link to ${readlinkSync(path)}`;
      } else if (entry.isDirectory()) {
        found[`${name}/`] = 'folder';
        walk(path);
      } else {
        found[name] = createHash('sha256').update(readFileSync(path)).digest('hex');
      }
    }
  };
  walk(dir);
  return found;
}

/** A line of a stack trace, as Node prints one ("    at main (file.ts:12:3)"). */
const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m;

/**
 * Checks a user error: exit code 2, a "field: message" line that names `field`, `fragment` in that
 * message (or in the lines it goes on to, as a CSV file's line:column list), and no stack trace.
 */
export function expectUserError(result: ScriptResult, field: string, fragment: string | RegExp): void {
  expect(result.code, result.stderr).toBe(2);
  expect(result.stderr).not.toMatch(STACK_LINE);
  const lines = result.stderr.split('\n');
  const at = lines.findIndex((text) => text.startsWith(`${field}: `));
  expect(at, `a line naming ${field} in:\n${result.stderr}`).toBeGreaterThanOrEqual(0);
  const message = lines.slice(at).join('\n');
  if (typeof fragment === 'string') expect(message).toContain(fragment);
  else expect(message).toMatch(fragment);
}

/** Checks that output holds no stack trace. */
export function expectNoStackTrace(output: string): void {
  expect(output).not.toMatch(STACK_LINE);
}
