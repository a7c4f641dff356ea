/**
 * The files a script writes. Each output path is checked before the work starts (not a folder,
 * in a folder that exists or can be made and can be written, never one of the files the run
 * reads), and every output is written under a temporary name in its own folder and then renamed,
 * so a run that fails leaves no partial file and changes no file it did not finish.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, realpath, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { ConfigError } from './user-errors';

/** A file the run reads, which no output may replace. */
export interface InputFile {
  /** Its absolute path. */
  path: string;
  /** What it is to the run, for the message, e.g. "the config file (--config)". */
  what: string;
}

/** An output: where it goes, the flag that chose the path (for messages), and its content. */
export interface OutputFile {
  /** Absolute path. */
  path: string;
  /** The flag or option the path comes from, e.g. "--out". */
  field: string;
  /** What to write. */
  content: string | Uint8Array;
}

/** The nearest existing ancestor of `path` (or `path` itself) and what it is. */
async function nearestExisting(path: string): Promise<{ path: string; isDirectory: boolean }> {
  let current = path;
  for (;;) {
    try {
      return { path: current, isDirectory: (await stat(current)).isDirectory() };
    } catch {
      const parent = dirname(current);
      if (parent === current) return { path: current, isDirectory: true };
      current = parent;
    }
  }
}

/** `path` with its existing part resolved through symbolic links, so two spellings of one file compare equal. */
async function realLocation(path: string): Promise<string> {
  const existing = await nearestExisting(path);
  try {
    return join(await realpath(existing.path), relative(existing.path, path));
  } catch {
    return path;
  }
}

/**
 * Throws a ConfigError under `field` when `path` cannot take an output: it is a folder, a file
 * stands where a folder of it should be, its folder cannot be written, or it is one of `inputs`.
 * Nothing is created.
 */
export async function checkOutputPath(path: string, field: string, inputs: readonly InputFile[]): Promise<void> {
  const refuse = (message: string) => new ConfigError('arguments', [{ field, message }]);
  const existing = await nearestExisting(path);
  if (existing.path === path && existing.isDirectory) {
    throw refuse(`${path} is a folder; give a file path, e.g. ${join(path, basename(path) || 'run')}.json.`);
  }
  const folder = existing.path === path ? dirname(path) : existing.path;
  if (existing.path !== path && !existing.isDirectory) {
    throw refuse(`${existing.path} is a file, so ${path} cannot be made below it; give a path in a folder.`);
  }
  try {
    await access(folder, constants.W_OK);
  } catch (error) {
    throw refuse(`Cannot write in the folder ${folder} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); give a path in a folder you can write.`);
  }
  const location = await realLocation(path);
  for (const input of inputs) {
    if ((await realLocation(input.path)) === location) {
      throw refuse(`${path} is ${input.what}, which the run reads; writing there would destroy it. Give another path.`);
    }
  }
}

/** A name in `path`'s folder for writing it before the rename; hidden, and unlike any other run's. */
function temporaryName(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * Writes every output under a temporary name, then renames each into place. If any write fails,
 * the temporary files and the folders made for them are removed and a ConfigError names the path.
 */
export async function writeOutputs(outputs: readonly OutputFile[]): Promise<void> {
  const written: { output: OutputFile; temporary: string }[] = [];
  const madeFolders: string[] = [];
  let current = outputs[0];
  try {
    for (const output of outputs) {
      current = output;
      const made = await mkdir(dirname(output.path), { recursive: true });
      if (made) madeFolders.push(made);
      const temporary = temporaryName(output.path);
      written.push({ output, temporary });
      await writeFile(temporary, output.content);
    }
  } catch (error) {
    await Promise.all(written.map(({ temporary }) => unlink(temporary).catch(() => undefined)));
    await Promise.all(madeFolders.reverse().map((folder) => rm(folder, { recursive: true, force: true })));
    throw new ConfigError('arguments', [{ field: current.field, message: `Cannot write ${current.path}: ${(error as Error).message}; nothing was written.` }]);
  }
  for (const { output, temporary } of written) await rename(temporary, output.path);
}
