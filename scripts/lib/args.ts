/**
 * The command lines of the headless scripts. A script declares each option once (its name, value
 * type, default and help line); Node's util.parseArgs splits the arguments, and that declaration
 * alone gives the usage text, the checks and the typed values. Every bad argument becomes a
 * ValidationProblem naming the flag; all of them are printed, then the usage, and the command exits 2.
 */
import { parseArgs } from 'node:util';
import type { ValidationProblem } from '../../src/model/validate';
import type { ScriptHost } from './host';
import { formatProblemList } from './user-errors';

/** How an option's text becomes a value. */
interface ValueType<T> {
  /** Stands for the value in the usage text, e.g. "N" or "gpu|cpu". */
  readonly placeholder: string;
  /** What the text must be, for the message "Expected …, got "text"." */
  readonly expected: string;
  /** The value the text stands for, or null when it is not one. */
  read(text: string): { value: T } | null;
}

/** An option that takes no value: true when given. */
interface SwitchOption {
  readonly kind: 'switch';
  /** What the option does, for the usage text. */
  readonly help: string;
}

/** An option that takes a value and has a default. */
interface ValueOption<T> {
  readonly kind: 'value';
  /** How its text is read. */
  readonly type: ValueType<T>;
  /** Its value when it is not given; shown in the usage unless null. */
  readonly default: T;
  /** What the option does, for the usage text; a line break starts an indented continuation line. */
  readonly help: string;
}

/** An option that must be given. */
interface RequiredOption<T> {
  readonly kind: 'required';
  /** How its text is read. */
  readonly type: ValueType<T>;
  /** What to give, for the message "Missing: give …". */
  readonly give: string;
  /** What the option does, for the usage text. */
  readonly help: string;
}

/** A bare argument without a flag, which must be given; the usage line names it. */
interface PositionalArgument<T> {
  readonly kind: 'positional';
  /** How its text is read. */
  readonly type: ValueType<T>;
  /** What to give, for the message "Missing: give …". */
  readonly give: string;
}

/** One declared option. */
type OptionDeclaration = SwitchOption | ValueOption<unknown> | RequiredOption<unknown> | PositionalArgument<unknown>;

/** The value a declared option yields. */
type OptionValue<O> = O extends SwitchOption ? boolean : O extends ValueOption<infer T> | RequiredOption<infer T> | PositionalArgument<infer T> ? T : never;

/** A command: its usage line and its options, keyed by name in camelCase; the flag is the name in kebab case (switchLossAt: --switch-loss-at). */
export interface CommandDeclaration {
  /** The usage line after "usage: ", e.g. "npm run train -- --config <file.json | preset> [options]". */
  readonly usage: string;
  /** The options, in the order the usage lists them. */
  readonly options: Readonly<Record<string, OptionDeclaration>>;
}

/** The checked values of a command's options, under the names they were declared with. */
type CommandValues<C extends CommandDeclaration> = { -readonly [K in keyof C['options']]: OptionValue<C['options'][K]> };

/** An option that takes no value. */
export function switchOption(help: string): SwitchOption {
  return { kind: 'switch', help };
}

/** An option with a value and a default (null: not given, and the usage shows no default). */
export function option<T>(type: ValueType<T>, defaultValue: null, help: string): ValueOption<T | null>;
export function option<T>(type: ValueType<T>, defaultValue: NoInfer<T>, help: string): ValueOption<T>;
export function option<T>(type: ValueType<T>, defaultValue: T | null, help: string): ValueOption<T | null> {
  return { kind: 'value', type, default: defaultValue, help };
}

/** An option that must be given; `give` says what, for the message when it is missing. */
export function requiredOption<T>(type: ValueType<T>, give: string, help: string): RequiredOption<T> {
  return { kind: 'required', type, give, help };
}

/** A bare argument of a command, which must be given; bare arguments are read in the order they are declared. */
export function positionalArgument<T>(type: ValueType<T>, give: string): PositionalArgument<T> {
  return { kind: 'positional', type, give };
}

/**
 * A whole number from `min` to `max`, written in digits alone. `maxReason` says why the bound is
 * there, for the message a larger value gets; leave it empty when the bound speaks for itself.
 */
export function wholeNumber(min: number, max: number, placeholder = 'N', maxReason = ''): ValueType<number> {
  return {
    placeholder,
    expected: `a whole number from ${min} to ${max}${maxReason ? ` (${maxReason})` : ''}`,
    read(text) {
      const value = Number(text);
      return /^\d+$/.test(text) && Number.isSafeInteger(value) && value >= min && value <= max ? { value } : null;
    },
  };
}

/** A finite number from `min` to `max`. */
export function realNumber(min: number, max: number, placeholder = 'X'): ValueType<number> {
  return {
    placeholder,
    expected: `a number from ${min} to ${max}`,
    read(text) {
      const value = Number(text);
      // Number('') and Number(' ') are 0, so blank text is refused before it becomes one.
      return text.trim() !== '' && Number.isFinite(value) && value >= min && value <= max ? { value } : null;
    },
  };
}

/** One of a few words. */
export function oneOf<const T extends string>(choices: readonly T[]): ValueType<T> {
  return {
    placeholder: choices.join('|'),
    expected: choices.length === 1 ? choices[0] : `${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}`,
    read(text) {
      const choice = choices.find((known) => known === text);
      return choice === undefined ? null : { value: choice };
    },
  };
}

/** A comma-separated list of known words; with `noneAllowed`, the word "none" is the empty list. */
export function listOf<const T extends string>(known: readonly T[], noneAllowed: boolean, placeholder = 'LIST'): ValueType<T[]> {
  return {
    placeholder,
    expected: `a comma-separated list from ${known.join(', ')}${noneAllowed ? ' (or none)' : ''}`,
    read(text) {
      if (noneAllowed && text === 'none') return { value: [] };
      const items = text.split(',').filter((item) => item !== '');
      const value = items.flatMap((item) => known.filter((word) => word === item));
      return items.length > 0 && value.length === items.length ? { value } : null;
    },
  };
}

/** A path (relative ones start where the command was typed); any text but the empty one, since the script opens it. */
export function filePath(placeholder = 'FILE'): ValueType<string> {
  return {
    placeholder,
    expected: 'a path',
    read: (text) => (text === '' ? null : { value: text }),
  };
}

/** The flag of an option: its name in kebab case (switchLossAt: --switch-loss-at). */
function flagOf(name: string): string {
  return `--${name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

/** The usage text: the usage line, then each option with its value, help and default. */
function usageText(command: CommandDeclaration): string {
  const rows = Object.entries(command.options).flatMap(([name, declared]) => {
    if (declared.kind === 'positional') return [];
    const value = declared.kind === 'switch' ? '' : ` ${declared.type.placeholder}`;
    const shownDefault = declared.kind === 'value' && declared.default !== null ? ` (default ${Array.isArray(declared.default) ? declared.default.join(',') : String(declared.default)})` : '';
    return [{ flag: `${flagOf(name)}${value}`, help: `${declared.help}${shownDefault}` }];
  });
  const width = Math.max(...rows.map((row) => row.flag.length)) + 2;
  const lines = rows.map(({ flag, help }) => `  ${flag.padEnd(width)}${help.split('\n').join(`\n  ${' '.repeat(width)}`)}`);
  return `usage: ${command.usage}\n\n${lines.join('\n')}\n`;
}

/** The options' texts as given, and what was wrong with the command line itself. */
interface GivenArguments {
  /** Each option's text (the last one given), with the flag as typed, by declared name. */
  texts: Map<string, { field: string; text: string }>;
  /** Names of the switches given. */
  switches: Set<string>;
  /** Bare arguments, in order. */
  positionals: string[];
  /** Whether --help was given. */
  help: boolean;
  /** Unknown flags, missing values, values given to switches. */
  problems: ValidationProblem[];
}

/** Splits the arguments with util.parseArgs and sorts each token into `given`. */
function readTokens(command: CommandDeclaration, args: readonly string[], given: GivenArguments): void {
  // Flags without their leading "--", as util.parseArgs names them; a positional argument has none.
  const byFlag = new Map(
    Object.entries(command.options).flatMap(([name, declared]) => (declared.kind === 'positional' ? [] : [[flagOf(name).slice(2), { name, declared }] as const])),
  );
  const parseOptions = Object.fromEntries([
    ...[...byFlag].map(([flag, { declared }]) => [flag, { type: declared.kind === 'switch' ? ('boolean' as const) : ('string' as const) }]),
    ['help', { type: 'boolean' as const }],
  ]);
  const known = Object.keys(parseOptions).map((flag) => `--${flag}`).join(', ');
  // Not strict: strict parsing stops at the first problem, and every problem is reported here.
  const { tokens } = parseArgs({ args: [...args], options: parseOptions, strict: false, allowPositionals: true, tokens: true });
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token.kind === 'positional') given.positionals.push(token.value);
    if (token.kind !== 'option') continue;
    const field = token.rawName;
    const option = byFlag.get(token.name);
    if (token.name === 'help') {
      given.help = true;
    } else if (option === undefined) {
      given.problems.push({ field, message: `Unknown argument; known: ${known}.` });
      // A bare word right after an unknown flag is most likely its value, not an argument of its own.
      const next = tokens[i + 1];
      if (token.inlineValue === undefined && next?.kind === 'positional' && next.index === token.index + 1) i++;
    } else if (option.declared.kind === 'switch') {
      if (token.value === undefined) given.switches.add(option.name);
      else given.problems.push({ field, message: `Takes no value, got ${JSON.stringify(token.value)}.` });
    } else if (token.value === undefined) {
      given.problems.push({ field, message: 'Needs a value.' });
    } else if (!token.inlineValue && token.value.startsWith('--')) {
      given.problems.push({ field, message: 'Needs a value.' });
      // parseArgs took the next flag for this one's value: read the rest again from that flag.
      readTokens(command, args.slice(token.index + 1), given);
      return;
    } else {
      given.texts.set(option.name, { field, text: token.value });
    }
  }
}

/** The checked values of the command line, null for --help, or every problem found. */
function readCommandLine<C extends CommandDeclaration>(command: C, args: readonly string[]): CommandValues<C> | null | ValidationProblem[] {
  const given: GivenArguments = { texts: new Map(), switches: new Set(), positionals: [], help: false, problems: [] };
  readTokens(command, args, given);
  if (given.help) return null;
  const problems = given.problems;
  const values: Record<string, unknown> = {};
  const positionals = [...given.positionals];
  for (const [name, declared] of Object.entries(command.options)) {
    if (declared.kind === 'switch') {
      values[name] = given.switches.has(name);
      continue;
    }
    const positional = declared.kind === 'positional' ? positionals.shift() : undefined;
    const supplied = positional === undefined ? given.texts.get(name) : { field: name, text: positional };
    if (supplied === undefined) {
      if (declared.kind === 'value') values[name] = declared.default;
      else problems.push({ field: declared.kind === 'positional' ? name : flagOf(name), message: `Missing: give ${declared.give}.` });
      continue;
    }
    const read = declared.type.read(supplied.text);
    if (read) values[name] = read.value;
    else problems.push({ field: supplied.field, message: `Expected ${declared.type.expected}, got ${JSON.stringify(supplied.text)}.` });
  }
  for (const extra of positionals) problems.push({ field: extra, message: 'Unexpected argument; every value follows its flag (see --help).' });
  return problems.length > 0 ? problems : (values as CommandValues<C>);
}

/**
 * A command's checked options, or its exit code: 0 after printing the usage for --help, 2 after
 * printing every problem of the command line followed by the usage.
 */
export function parseCommandArgs<C extends CommandDeclaration>(command: C, args: readonly string[], host: ScriptHost): CommandValues<C> | number {
  const result = readCommandLine(command, args);
  if (result === null) {
    host.stdout(usageText(command));
    return 0;
  }
  if (Array.isArray(result)) {
    host.stderr(`error in arguments:\n${formatProblemList(result)}\n\n${usageText(command)}`);
    return 2;
  }
  return result;
}
