/**
 * Where the page gets its datasets: the one place it builds them, through the data-source builder
 * of src/data, from the data source of a configuration (the controls or a link) and from a CSV file
 * the user chose. The page's files are the MNIST asset it fetches and the CSV file uploaded last.
 */
import { fetchMnistAsset } from '../data/mnist';
import { buildDataset, CsvImportError, type CsvSource, type DataSource, type DatasetFiles } from '../data/source';
import type { Dataset } from '../model/dataset';
import type { ValidationProblem } from '../model/validate';

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

/** The source of a CSV file uploaded as `name`: the import's defaults, split with seed 1 (the page offers no CSV options). */
export function uploadedCsvSource(name: string): CsvSource {
  return { source: 'csv', path: name, seed: 1 };
}

/** The files behind the page's data sources: the MNIST asset from the server, `upload` for a CSV source. */
export function pageDatasetFiles(upload: Blob | null): DatasetFiles {
  return {
    mnistAsset: () => fetchMnistAsset(),
    async csvFile() {
      if (!upload) throw new Error('Choose a CSV file first.');
      // Bytes, not text, so a file that is not UTF-8 is refused rather than read with replacement characters.
      return new Uint8Array(await upload.arrayBuffer());
    },
  };
}

/** Why a dataset could not be built, in one paragraph: a refused CSV file's first problems with their places. */
export function datasetErrorText(error: unknown): string {
  if (error instanceof CsvImportError) {
    return error.errors
      .slice(0, 5)
      .map((e) => (e.line > 0 ? `line ${e.line}${e.column > 0 ? `, column ${e.column}` : ''}: ${e.message}` : e.message))
      .join(' ');
  }
  return error instanceof Error ? error.message : String(error);
}

/** The control a synthetic generator's error concerns: it checks its options itself and names the one it refuses. */
function syntheticField(message: string): string {
  return /sample/i.test(message) ? 'data.samples' : /noise/i.test(message) ? 'data.noise' : /class/i.test(message) ? 'data.classes' : 'data.seed';
}

export class DatasetLoader {
  /** The CSV file chosen last: a CSV source without a new file reads it again. */
  private uploadedCsv: File | null = null;

  /** The dataset `data` describes; for a CSV source, read from `csvFile` when the user just chose one. */
  async load(data: DataSource, csvFile?: File): Promise<DatasetLoad> {
    try {
      const built = await buildDataset(data, pageDatasetFiles(csvFile ?? this.uploadedCsv));
      if (csvFile) this.uploadedCsv = csvFile;
      return { ok: true, dataset: built.dataset, warnings: built.warnings };
    } catch (error) {
      const message = datasetErrorText(error);
      const field = data.source === 'synthetic' ? syntheticField(message) : csvFile ? 'data.csv' : 'data.source';
      return { ok: false, problems: [{ field, message }] };
    }
  }
}
