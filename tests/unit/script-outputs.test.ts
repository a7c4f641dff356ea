/**
 * What the headless scripts hand on and write (scripts/lib): output paths checked before work
 * starts, outputs written whole or not at all, non-finite numbers kept across the page boundary,
 * and figures that are not finite printed as "n/a" instead of breaking a line.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOutputPath, writeOutputs } from '../../scripts/lib/output-files';
import { decodeFromPage, encodeForNode } from '../../scripts/lib/page-transfer';
import { formatFigure } from '../../scripts/lib/progress';
import { ConfigError } from '../../scripts/lib/user-errors';
import { filesUnder } from './script-harness';

let workDir: string;
beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'script-outputs-'));
});
afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

/** The ConfigError `promise` rejects with; fails the test when it resolves or rejects with anything else. */
async function configError(promise: Promise<unknown>): Promise<ConfigError> {
  const error = await promise.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('checkOutputPath', () => {
  it('accepts a new file, an existing file, and a file in folders still to be made; makes nothing', async () => {
    const dir = mkdtempSync(join(workDir, 'ok-'));
    writeFileSync(join(dir, 'old.json'), 'old');
    const before = filesUnder(dir);
    for (const path of [join(dir, 'new.json'), join(dir, 'old.json'), join(dir, 'a', 'b', 'c.json')]) await checkOutputPath(path, '--out', []);
    expect(filesUnder(dir)).toEqual(before);
  });

  it('refuses an input under any spelling: the same path, through "..", through a linked folder, through a linked file', async () => {
    const dir = mkdtempSync(join(workDir, 'inputs-'));
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'data.csv'), 'x,y\n');
    symlinkSync(dir, join(dir, 'alias'));
    symlinkSync(join(dir, 'data.csv'), join(dir, 'link.csv'));
    const inputs = [{ path: join(dir, 'data.csv'), what: 'the CSV file of the dataset' }];
    for (const path of [join(dir, 'data.csv'), `${dir}/sub/../data.csv`, join(dir, 'alias', 'data.csv'), join(dir, 'link.csv')]) {
      const error = await configError(checkOutputPath(path, '--csv', inputs));
      expect(error.problems).toEqual([{ field: '--csv', message: `${path} is the CSV file of the dataset, which the run reads; writing there would destroy it. Give another path.` }]);
    }
    await checkOutputPath(join(dir, 'alias', 'other.csv'), '--csv', inputs);
  });

  it('refuses a folder, and a path below a file however deep', async () => {
    const dir = mkdtempSync(join(workDir, 'bad-'));
    mkdirSync(join(dir, 'folder'));
    writeFileSync(join(dir, 'file'), '');
    expect((await configError(checkOutputPath(join(dir, 'folder'), '--out', []))).problems[0].message).toBe(`${join(dir, 'folder')} is a folder; give a file path, e.g. ${join(dir, 'folder', 'folder')}.json.`);
    for (const path of [join(dir, 'file', 'run.json'), join(dir, 'file', 'x', 'y', 'run.json')]) {
      expect((await configError(checkOutputPath(path, '--out', []))).problems[0].message).toBe(`${join(dir, 'file')} is a file, so ${path} cannot be made below it; give a path in a folder.`);
    }
  });
});

describe('writeOutputs', () => {
  it('writes every output and leaves nothing else, folders made as needed', async () => {
    const dir = mkdtempSync(join(workDir, 'write-'));
    writeFileSync(join(dir, 'run.json'), 'old run');
    await writeOutputs([
      { path: join(dir, 'run.json'), field: '--out', content: '{"new": true}\n' },
      { path: join(dir, 'deep', 'er', 'run.csv'), field: '--csv', content: 'a,b\n' },
      { path: join(dir, 'figure.png'), field: '--out-dir', content: Uint8Array.from([137, 80, 78, 71]) },
    ]);
    expect(Object.keys(filesUnder(dir)).sort()).toEqual(['deep/', 'deep/er/', 'deep/er/run.csv', 'figure.png', 'run.json']);
    expect(readFileSync(join(dir, 'run.json'), 'utf8')).toBe('{"new": true}\n');
    expect([...readFileSync(join(dir, 'figure.png'))]).toEqual([137, 80, 78, 71]);
  });

  it('when one output cannot be written, none is: no partial file, no temporary file, no folder made, the old file kept', async () => {
    const dir = mkdtempSync(join(workDir, 'fail-'));
    writeFileSync(join(dir, 'run.json'), 'old run');
    writeFileSync(join(dir, 'blocker'), '');
    const before = filesUnder(dir);
    const error = await configError(
      writeOutputs([
        { path: join(dir, 'run.json'), field: '--out', content: 'new run' },
        { path: join(dir, 'made', 'run.csv'), field: '--csv', content: 'a,b\n' },
        { path: join(dir, 'blocker', 'x.png'), field: '--out-dir', content: 'png' },
      ]),
    );
    expect(error.problems).toEqual([{ field: '--out-dir', message: expect.stringMatching(new RegExp(`^Cannot write ${join(dir, 'blocker', 'x.png')}: .*; nothing was written\\.$`)) }]);
    expect(filesUnder(dir)).toEqual(before);
  });
});

describe('values crossing from the page to Node keep NaN and ±Infinity', () => {
  const values: unknown[] = [
    { losses: { mse: 0.25, cross_entropy: Number.NaN }, gradNormW: [1, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY], accuracy: Number.NaN },
    [Number.NaN, 0, -0.5, 1e308, null, 'NaN', { nonFinite: 'nothing' }, { nonFinite: 'NaN', other: 1 }],
    Number.NaN,
    { nested: { deeper: [{ value: Number.POSITIVE_INFINITY }] }, text: 'Infinity' },
  ];
  for (const value of values) {
    it(JSON.stringify(value), () => {
      expect(decodeFromPage(encodeForNode(value))).toEqual(value);
    });
  }

  it('plain JSON would have turned them into null, which is what the encoding avoids', () => {
    expect(JSON.parse(JSON.stringify({ loss: Number.NaN }))).toEqual({ loss: null });
  });
});

describe('formatFigure', () => {
  it('formats finite numbers, and prints "n/a" for NaN, ±Infinity and a null that came through JSON', () => {
    const format = (value: number) => value.toPrecision(3);
    expect(formatFigure(0.123456, format)).toBe('0.123');
    expect(formatFigure(-2e-9, format)).toBe('-2.00e-9');
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, null as unknown as number, undefined as unknown as number]) {
      expect(formatFigure(value, format)).toBe('n/a');
    }
  });
});
