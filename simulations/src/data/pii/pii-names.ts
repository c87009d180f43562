/** The synthetic PII datasets, by name: kept apart from their generators, which load faker. */
export const PII_DATASET_NAMES = ['synthetic-credit', 'synthetic-health'] as const;
export type PiiDatasetName = (typeof PII_DATASET_NAMES)[number];
