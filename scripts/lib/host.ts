/** What scripts/lib/run-ts.mjs hands to a script's `main(args, host)`. */
export interface ScriptHost {
  /** Writes to standard output (results, tables). */
  stdout(text: string): void;
  /** Writes to standard error (progress, errors). */
  stderr(text: string): void;
  /** Whether standard error is a terminal, so a progress bar may redraw one line. */
  isTTY: boolean;
  /** Directory the command was started in; relative paths on the command line start here. */
  cwd: string;
  /** Root of the project (where package.json is). */
  projectRoot: string;
  /** Starts the Vite dev server on 127.0.0.1 if it is not running and returns its base URL. */
  serve(): Promise<string>;
}
