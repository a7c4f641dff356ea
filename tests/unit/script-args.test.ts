/**
 * The command lines of the headless scripts (scripts/lib/args.ts): each declared option is parsed
 * and checked from its one declaration, every problem is named by its flag and the command exits 2
 * after printing them and the usage, --help prints the usage and exits 0, and the usage lists what
 * the declaration says.
 */
import { describe, expect, it } from 'vitest';
import {
  filePath,
  listOf,
  oneOf,
  option,
  parseCommandArgs,
  positionalArgument,
  realNumber,
  requiredOption,
  switchOption,
  wholeNumber,
  type CommandDeclaration,
} from '../../scripts/lib/args';
import type { ScriptHost } from '../../scripts/lib/host';

const COMMAND = {
  usage: 'npm run demo -- <task> --input <file> [options]',
  options: {
    task: positionalArgument(oneOf(['fit', 'score']), 'the task (fit or score)'),
    input: requiredOption(filePath('<file>'), 'the file to read', 'the file to read'),
    backend: option(oneOf(['gpu', 'cpu']), 'gpu', 'where to compute'),
    steps: option(wholeNumber(1, 500, 'N', 'the demo keeps every step'), null, 'steps to take'),
    seed: option(wholeNumber(0, 0xffffffff, 'S'), null, 'seed of everything'),
    rate: option(realNumber(0.5, 10, 'R'), 2, 'a rate\nwith a second help line'),
    parts: option(listOf(['alpha', 'beta', 'gamma'], true), ['alpha'], 'parts to include; "none" for no part'),
    colours: option(listOf(['red', 'green'], false, 'COLOURS'), null, 'colours, never none'),
    verbose: switchOption('say more'),
  },
} satisfies CommandDeclaration;

/** Parses `args` against COMMAND with captured output. */
function parse(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const host: ScriptHost = {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    isTTY: false,
    cwd: '/nowhere',
    projectRoot: '/nowhere',
    serve: () => Promise.reject(new Error('parsing must not start a server')),
  };
  const result = parseCommandArgs(COMMAND, args, host);
  return { result, stdout, stderr };
}

/** The checked values of a command line that must parse. */
function values(...args: string[]) {
  const { result, stderr } = parse(...args);
  if (typeof result === 'number') throw new Error(`expected ${JSON.stringify(args)} to parse, got exit ${result}:\n${stderr}`);
  return result;
}

/** The problem lines ("field: message") of a refused command line, which must exit 2 with the usage after them. */
function problems(...args: string[]): string[] {
  const { result, stdout, stderr } = parse(...args);
  expect(result, `exit code for ${JSON.stringify(args)}`).toBe(2);
  expect(stdout).toBe('');
  expect(stderr.startsWith('error in arguments:\n')).toBe(true);
  const [listed, usage] = stderr.slice('error in arguments:\n'.length).split('\n\n');
  expect(usage.startsWith('usage: npm run demo')).toBe(true);
  return listed.split('\n');
}

const REQUIRED = ['fit', '--input', 'data.csv'];

describe('values', () => {
  it('defaults fill what is not given; switches are false', () => {
    expect(values(...REQUIRED)).toEqual({ task: 'fit', input: 'data.csv', backend: 'gpu', steps: null, seed: null, rate: 2, parts: ['alpha'], colours: null, verbose: false });
  });

  it('--flag=value and --flag value read alike, for every kind of value', () => {
    const spaced = values(...REQUIRED, '--backend', 'cpu', '--steps', '12', '--seed', '0', '--rate', '0.75', '--parts', 'beta,gamma', '--colours', 'green', '--verbose');
    const joined = values(...REQUIRED, '--backend=cpu', '--steps=12', '--seed=0', '--rate=0.75', '--parts=beta,gamma', '--colours=green', '--verbose');
    expect(spaced).toEqual(joined);
    expect(joined).toMatchObject({ backend: 'cpu', steps: 12, seed: 0, rate: 0.75, parts: ['beta', 'gamma'], colours: ['green'], verbose: true });
  });

  it('a value that starts with a dash but not two is a value, given with =', () => {
    expect(problems(...REQUIRED, '--seed=-1')).toEqual(['--seed: Expected a whole number from 0 to 4294967295, got "-1".']);
  });

  it('the last of a repeated flag wins', () => {
    expect(values(...REQUIRED, '--steps', '3', '--steps', '7').steps).toBe(7);
  });

  it('"none" is the empty list where the list allows it, and an unknown word where it does not', () => {
    expect(values(...REQUIRED, '--parts', 'none').parts).toEqual([]);
    expect(problems(...REQUIRED, '--colours', 'none')).toEqual(['--colours: Expected a comma-separated list from red, green, got "none".']);
  });

  it('a list takes only known words, and not an empty one', () => {
    for (const text of ['alpha,delta', 'ALPHA', '', ',']) {
      expect(problems(...REQUIRED, `--parts=${text}`)).toEqual([`--parts: Expected a comma-separated list from alpha, beta, gamma (or none), got ${JSON.stringify(text)}.`]);
    }
  });

  it('a one-of choice takes exactly one of its words', () => {
    expect(values('score', '--input', 'x').task).toBe('score');
    for (const text of ['GPU', 'gpu ', 'webgpu', '']) {
      expect(problems(...REQUIRED, `--backend=${text}`)).toEqual([`--backend: Expected gpu or cpu, got ${JSON.stringify(text)}.`]);
    }
    expect(problems('train', '--input', 'x')).toEqual(['task: Expected fit or score, got "train".']);
  });
});

describe('ranges: every number is checked against its bounds before use', () => {
  it('whole numbers: inside the bounds, the bounds themselves', () => {
    expect(values(...REQUIRED, '--steps', '1').steps).toBe(1);
    expect(values(...REQUIRED, '--steps', '500').steps).toBe(500);
    expect(values(...REQUIRED, '--seed', '4294967295').seed).toBe(4294967295);
  });

  it('whole numbers: below, above, fractions, exponents, signs, words, beyond 2⁵³', () => {
    for (const text of ['0', '501', '2.5', '1e2', '+3', '-3', 'ten', ' 7', '99999999999999999999']) {
      expect(problems(...REQUIRED, `--steps=${text}`)).toEqual([`--steps: Expected a whole number from 1 to 500 (the demo keeps every step), got ${JSON.stringify(text)}.`]);
    }
    for (const text of ['4294967296', '99999999999']) {
      expect(problems(...REQUIRED, '--seed', text)).toEqual([`--seed: Expected a whole number from 0 to 4294967295, got ${JSON.stringify(text)}.`]);
    }
  });

  it('real numbers: inside and at the bounds; below, above, not finite, blank', () => {
    for (const [text, value] of [['0.5', 0.5], ['10', 10], ['1e0', 1], ['3.25', 3.25]] as const) expect(values(...REQUIRED, '--rate', text).rate).toBe(value);
    for (const text of ['0.49', '10.01', 'Infinity', 'NaN', ' ', '']) {
      expect(problems(...REQUIRED, `--rate=${text}`)).toEqual([`--rate: Expected a number from 0.5 to 10, got ${JSON.stringify(text)}.`]);
    }
  });
});

describe('problems: each named by its flag, all of them at once', () => {
  it('an unknown flag, first, in the middle or last, with or without a value', () => {
    const known = 'known: --input, --backend, --steps, --seed, --rate, --parts, --colours, --verbose, --help.';
    expect(problems('--stpes', '3', ...REQUIRED)).toEqual([`--stpes: Unknown argument; ${known}`]);
    expect(problems('fit', '--bogus', '--input', 'x')).toEqual([`--bogus: Unknown argument; ${known}`]);
    expect(problems(...REQUIRED, '--colour')).toEqual([`--colour: Unknown argument; ${known}`]);
    expect(problems(...REQUIRED, '--colour=red')).toEqual([`--colour: Unknown argument; ${known}`]);
  });

  it('--x --y: a flag followed by another flag is missing its value, and the other flag still counts', () => {
    expect(problems(...REQUIRED, '--steps', '--verbose')).toEqual(['--steps: Needs a value.']);
    expect(problems(...REQUIRED, '--steps', '--seed', '4')).toEqual(['--steps: Needs a value.']);
    expect(problems(...REQUIRED, '--steps', '--seed', 'x')).toEqual(['--steps: Needs a value.', '--seed: Expected a whole number from 0 to 4294967295, got "x".']);
    expect(problems(...REQUIRED, '--steps')).toEqual(['--steps: Needs a value.']);
  });

  it('a switch given a value, a missing required option, a missing positional, a stray argument', () => {
    expect(problems(...REQUIRED, '--verbose=yes')).toEqual(['--verbose: Takes no value, got "yes".']);
    expect(problems('fit')).toEqual(['--input: Missing: give the file to read.']);
    expect(problems('--input', 'x')).toEqual(['task: Missing: give the task (fit or score).']);
    expect(problems(...REQUIRED, 'extra')).toEqual(['extra: Unexpected argument; every value follows its flag (see --help).']);
  });

  it('every problem of one command line is listed', () => {
    expect(problems('--steps', '0', '--rate', 'x', '--verbose=1')).toEqual([
      '--verbose: Takes no value, got "1".',
      'task: Missing: give the task (fit or score).',
      '--input: Missing: give the file to read.',
      '--steps: Expected a whole number from 1 to 500 (the demo keeps every step), got "0".',
      '--rate: Expected a number from 0.5 to 10, got "x".',
    ]);
  });
});

describe('the usage text', () => {
  it('--help prints it and exits 0, whatever else is given', () => {
    for (const args of [['--help'], [...REQUIRED, '--help'], ['--steps', 'x', '--help']]) {
      const { result, stdout, stderr } = parse(...args);
      expect(result).toBe(0);
      expect(stderr).toBe('');
      expect(stdout).toBe(parse('--help').stdout);
    }
  });

  it('lists each declared flag once, in order, with its placeholder, help and default; positionals only on the usage line', () => {
    const usage = parse('--help').stdout;
    const lines = usage.split('\n');
    expect(lines[0]).toBe(`usage: ${COMMAND.usage}`);
    const flagLines = lines.filter((line) => /^ {2}--/.test(line));
    expect(flagLines.map((line) => line.trim().split(/\s+/)[0])).toEqual(['--input', '--backend', '--steps', '--seed', '--rate', '--parts', '--colours', '--verbose']);
    expect(usage).not.toContain('--task');
    expect(flagLines[0]).toMatch(/^ {2}--input <file> +the file to read$/);
    expect(flagLines[1]).toMatch(/^ {2}--backend gpu\|cpu +where to compute \(default gpu\)$/);
    expect(flagLines[2]).toMatch(/^ {2}--steps N +steps to take$/);
    expect(flagLines[5]).toMatch(/^ {2}--parts LIST +parts to include; "none" for no part \(default alpha\)$/);
    expect(flagLines[6]).toMatch(/^ {2}--colours COLOURS +colours, never none$/);
    expect(flagLines[7]).toMatch(/^ {2}--verbose +say more$/);
    // Help texts start in one column, and a second help line continues in it.
    const column = flagLines[0].indexOf('the file to read');
    for (const line of flagLines) expect(line.slice(column - 2, column)).toBe('  ');
    const rateLine = lines.findIndex((line) => line.trimStart().startsWith('--rate R'));
    expect(lines[rateLine]).toContain('a rate');
    expect(lines[rateLine + 1]).toBe(`${' '.repeat(column)}with a second help line (default 2)`);
  });
});
