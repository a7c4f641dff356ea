/**
 * The page's store of the autotuner's choices: localStorage, under the keys the tuner gives (one per
 * adapter and product shape), so a reload or a later visit runs the measured variants without
 * timing them again. A full or disabled localStorage (private windows, storage blocked by the user,
 * quota spent) only means the choices are measured again next time: nothing here throws.
 */
import type { StoredTuning, TuningStore } from '../train/create-session';

/** Milliseconds the page lets the autotuner spend on a new network: a short wait, once per adapter and shape. */
export const PAGE_TUNING_BUDGET_MS = 3000;

/** A stored value as it must look to be used: anything else (another version, hand-edited storage) is ignored. */
function isStoredTuning(value: unknown): value is StoredTuning {
  if (typeof value !== 'object' || value === null) return false;
  const { chosen, candidates, complete } = value as Record<string, unknown>;
  return (
    typeof chosen === 'string' &&
    typeof complete === 'boolean' &&
    Array.isArray(candidates) &&
    candidates.every((candidate: unknown) => {
      if (typeof candidate !== 'object' || candidate === null) return false;
      const { variant, gflops } = candidate as Record<string, unknown>;
      return typeof variant === 'string' && (gflops === null || (typeof gflops === 'number' && Number.isFinite(gflops)));
    })
  );
}

/** The page's localStorage, or null where the browser refuses it (reading the property itself can throw). */
function pageStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/** The autotuner's choices in `storage` (the page's localStorage when omitted). */
export class LocalTuningStore implements TuningStore {
  private readonly storage: Storage | null;

  constructor(storage: Storage | null = pageStorage()) {
    this.storage = storage;
  }

  async load(key: string): Promise<StoredTuning | null> {
    try {
      const text = this.storage?.getItem(key);
      if (!text) return null;
      const value: unknown = JSON.parse(text);
      return isStoredTuning(value) ? value : null;
    } catch {
      // Storage refused or the text is not JSON: measured again, as if nothing were stored.
      return null;
    }
  }

  async save(key: string, value: StoredTuning): Promise<void> {
    try {
      this.storage?.setItem(key, JSON.stringify(value));
    } catch {
      // Full or disabled: this choice is measured again on the next visit.
    }
  }
}
