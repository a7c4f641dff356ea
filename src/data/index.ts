export type { Dataset } from '../model/dataset';
export { SYNTHETIC_KINDS, makeSyntheticDataset } from './synthetic';
export type { SyntheticKind, SyntheticKindInfo, SyntheticOptions } from './synthetic';
export { fetchMnistAsset, parseMnistAsset } from './mnist';
export type { MnistOptions } from './mnist';
export { importCsvDataset } from './csv';
export type { CsvError, CsvImportOptions, CsvImportResult } from './csv';
export { buildDataset, CsvImportError, parseDataSource } from './source';
export type { BuiltDataset, CsvSource, DatasetFiles, DataSource, MnistSource, SyntheticSource } from './source';
