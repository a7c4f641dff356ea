/**
 * Where the page gets its datasets: the one place it calls the data modules (src/data), for the
 * data source of a configuration (from the controls or a link) and for a CSV file the user chose.
 */
import { importCsvDataset } from '../data/csv';
import { loadMnist } from '../data/mnist';
import { makeSyntheticDataset } from '../data/synthetic';
import type { Dataset } from '../model/dataset';
import type { ValidationProblem } from '../model/validate';
import { errorText } from './error-text';
import type { DataConfig } from './playground-config';

/** A dataset to train on, or the problems that kept it from loading, each for the control it concerns. */
type DatasetLoad =
  | {
      ok: true;
      /** The dataset. */
      dataset: Dataset;
      /** What the user should know about how it was read (a CSV file's dropped rows or columns). */
      warnings: string[];
    }
  | {
      ok: false;
      /** Why it could not be loaded. */
      problems: ValidationProblem[];
    };

/** The control a synthetic generator's error concerns: it checks its options itself and names the one it refuses. */
function syntheticField(message: string): string {
  return /sample/i.test(message) ? 'data.samples' : /noise/i.test(message) ? 'data.noise' : /class/i.test(message) ? 'data.classes' : 'data.seed';
}

function refused(field: string, message: string): DatasetLoad {
  return { ok: false, problems: [{ field, message }] };
}

export class DatasetLoader {
  /** The CSV file loaded last: a CSV source without a new file trains on it again. */
  private uploadedCsv: Dataset | null = null;

  /** The dataset `data` describes; for a CSV source, read from `csvFile` when the user just chose one. */
  async load(data: DataConfig, csvFile?: File): Promise<DatasetLoad> {
    try {
      if (data.source === 'synthetic') {
        return { ok: true, dataset: makeSyntheticDataset({ kind: data.kind, samples: data.samples, noise: data.noise, classes: data.classes, seed: data.seed }), warnings: [] };
      }
      if (data.source === 'mnist') return { ok: true, dataset: await loadMnist(undefined, { seed: data.seed }), warnings: [] };
      if (!csvFile) return this.uploadedCsv ? { ok: true, dataset: this.uploadedCsv, warnings: [] } : refused('data.source', 'Choose a CSV file first.');
      const result = importCsvDataset(await csvFile.arrayBuffer(), { name: csvFile.name });
      if (!result.ok) {
        const errors = result.errors.slice(0, 5).map((e) => (e.line > 0 ? `line ${e.line}${e.column > 0 ? `, column ${e.column}` : ''}: ${e.message}` : e.message));
        return refused('data.csv', errors.join(' '));
      }
      this.uploadedCsv = result.dataset;
      return { ok: true, dataset: result.dataset, warnings: result.warnings };
    } catch (error) {
      const message = errorText(error);
      return refused(data.source === 'synthetic' ? syntheticField(message) : csvFile ? 'data.csv' : 'data.source', message);
    }
  }
}
