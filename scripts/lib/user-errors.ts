/**
 * Problems the user can fix (arguments, config, data, paths, a network the backend cannot take)
 * end a script with their message and exit code 2, never with a stack trace: a stack trace is for
 * bugs only. Every such problem is thrown as a ConfigError and printed, capped, by withUserErrors.
 */
import { MAX_CSV_ERRORS } from '../../src/data/csv-tokenizer';
import { formatProblems, type ValidationProblem } from '../../src/model/validate';
import type { ScriptHost } from './host';

/** A problem the user can fix: printed as field: message lines under "error in <source>:". */
export class ConfigError extends Error {
  constructor(
    /** Where the problems are: a config file, a preset, a run file, the arguments. */
    readonly source: string,
    /** Each problem, under the field it is about. */
    readonly problems: ValidationProblem[],
  ) {
    super(`${source}:\n${formatProblems(problems)}`);
    this.name = 'ConfigError';
  }
}

/**
 * The problems as field: message lines, at most as many as the CSV importer reports
 * (MAX_CSV_ERRORS), then one line saying how many more there are: a config with 200,000 bad
 * entries gets a screen of them, not 200,000 lines.
 */
export function formatProblemList(problems: readonly ValidationProblem[]): string {
  const shown = formatProblems(problems.slice(0, MAX_CSV_ERRORS));
  const more = problems.length - MAX_CSV_ERRORS;
  return more > 0 ? `${shown}\n… and ${more} more problem${more === 1 ? '' : 's'}; fix these and run again.` : shown;
}

/**
 * Whether an error thrown by the engine is its refusal of what it was given (a network over the
 * CPU path's memory limit or the device's buffer limits, a spec it cannot train), which the user
 * fixes, rather than a bug: the engine refuses with plain Errors and RangeErrors that name the
 * value, while a TypeError, ReferenceError or SyntaxError is a mistake in the code.
 */
export function isEngineRefusal(error: unknown): error is Error {
  return error instanceof Error && !(error instanceof TypeError || error instanceof ReferenceError || error instanceof SyntaxError);
}

/** Runs a script's body; a ConfigError it throws is printed (capped) and becomes exit code 2, anything else propagates with its stack. */
export async function withUserErrors(host: ScriptHost, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    host.stderr(`error in ${error.source}:\n${formatProblemList(error.problems)}\n`);
    return 2;
  }
}
