/**
 * `@cohort/client/data`: the client's data helpers without TensorFlow.js or socket.io, for tools
 * that only read, write or standardise tables (`cohort mask`, the simulated datasets).
 */
export { CSV_ERROR_CODES, csvField, readCsv, toCsv } from './csv';
export type { CsvErrorCodes, CsvRows } from './csv';
export { loadCsvTable, parseCsvTable } from './csv-table';
export type { CsvTable, CsvTableOptions } from './csv-table';
export { DataError, DATA_ERROR_CODES } from './data-error';
export type { DataErrorCode } from './data-error';
export { imputeAndStandardise } from './standardise';
export type { ColumnStats } from './standardise';
