/**
 * The scripts' store of the autotuner's choices: one JSON file in the user's cache folder
 * ($XDG_CACHE_HOME or ~/.cache on Linux and macOS, %LOCALAPPDATA% on Windows), keyed as the tuner
 * keys them (adapter and product shape), so a later run on the same GPU runs the measured variants
 * without timing them again. Written whole under a temporary name and renamed, so a run that dies
 * mid-write leaves the old file. A cache that cannot be read or written only means the choices are
 * measured again: one warning, never a failed run.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { isStoredTuning, type StoredTuning, type TuningStore } from '../../src/train/create-session';

/** Where the choices are kept for `env` (process.env): the platform's cache folder, then this project's file in it. */
export function tuningCachePath(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const base = platform === 'win32' ? env.LOCALAPPDATA || join(homedir(), 'AppData', 'Local') : env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'webgpu-mlp-playground', 'tuning.json');
}

export class FileTuningStore implements TuningStore {
  private entries: Promise<Map<string, StoredTuning>> | null = null;
  private warned = false;

  constructor(
    /** The cache file. */
    readonly path: string,
    /** Told once when the file cannot be read or written. */
    private readonly onWarning: (message: string) => void,
  ) {}

  private warn(message: string): void {
    if (this.warned) return;
    this.warned = true;
    this.onWarning(`${message}; the product variants will be timed again next run`);
  }

  /** The file's entries, read once; a missing file is empty, an unreadable one is empty with a warning. */
  private read(): Promise<Map<string, StoredTuning>> {
    this.entries ??= readFile(this.path, 'utf8').then(
      (text) => {
        const value: unknown = JSON.parse(text);
        if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
        return new Map(Object.entries(value).filter((entry): entry is [string, StoredTuning] => isStoredTuning(entry[1])));
      },
      (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') this.warn(`could not read the tuning cache ${this.path}: ${error.message}`);
        return new Map<string, StoredTuning>();
      },
    ).catch((error: unknown) => {
      this.warn(`the tuning cache ${this.path} is not a JSON object of stored choices (${error instanceof Error ? error.message : String(error)}), so it is ignored and will be rewritten`);
      return new Map<string, StoredTuning>();
    });
    return this.entries;
  }

  async load(key: string): Promise<StoredTuning | null> {
    return (await this.read()).get(key) ?? null;
  }

  async save(key: string, value: StoredTuning): Promise<void> {
    const entries = await this.read();
    entries.set(key, value);
    const partial = `${this.path}.${process.pid}.partial`;
    try {
      await mkdir(dirname(this.path), { recursive: true });
      await writeFile(partial, `${JSON.stringify(Object.fromEntries(entries), null, 1)}\n`);
      await rename(partial, this.path);
    } catch (error) {
      this.warn(`could not write the tuning cache ${this.path}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
