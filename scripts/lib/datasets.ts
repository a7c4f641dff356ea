/**
 * Builds the dataset a run config describes, with the data modules the page uses. File access is
 * passed in, so the same code runs in Node (reading files) and in the headless page (fetching
 * the MNIST asset, receiving CSV text from Node).
 */
import type { Dataset } from '../../src/model/dataset';
import { importCsvDataset } from '../../src/data/csv';
import { parseMnistAsset } from '../../src/data/mnist';
import { makeSyntheticDataset } from '../../src/data/synthetic';
import type { DatasetDescription } from './run-config';

/** How to get at the bytes behind file-backed datasets. */
export interface DatasetFiles {
  /** The MNIST asset, public/data/mnist.bin. */
  mnistAsset(): Promise<Uint8Array>;
  /** Text of a CSV file named by a dataset description. */
  csvText(path: string): Promise<string>;
}

/** The last part of a path, for the dataset's display name (works on / and \\ alike, in Node and the page). */
function basename(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/** The dataset; throws with the offending value when the description cannot be built. */
export async function buildDataset(description: DatasetDescription, files: DatasetFiles): Promise<Dataset> {
  switch (description.kind) {
    case 'mnist':
      return parseMnistAsset(await files.mnistAsset(), { testCount: description.testCount, seed: description.seed });
    case 'csv': {
      const { path, labelColumn, oneHotColumns, target, testFraction, seed } = description;
      const result = importCsvDataset(await files.csvText(path), { name: basename(path), labelColumn, oneHotColumns, target, testFraction, seed });
      if (!result.ok) {
        const places = result.errors.map((e) => `${path}${e.line > 0 ? `:${e.line}` : ''}${e.column > 0 ? `:${e.column}` : ''}: ${e.message}`);
        throw new Error(`the CSV file ${path} was refused:\n${places.join('\n')}`);
      }
      return result.dataset;
    }
    default:
      return makeSyntheticDataset(description);
  }
}
