/**
 * The page's store of the autotuner's choices: localStorage, under the keys the tuner gives (one per
 * adapter and product shape), so a reload or a later visit runs the measured variants without
 * timing them again. A full or disabled localStorage (private windows, storage blocked by the user,
 * quota spent) only means the choices are measured again next time: nothing here throws.
 */
import { isStoredTuning, type StoredTuning, type TuningStore } from '../train/create-session';

/** Milliseconds the page lets the autotuner spend on a new network: a short wait, once per adapter and shape. */
export const PAGE_TUNING_BUDGET_MS = 3000;

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
