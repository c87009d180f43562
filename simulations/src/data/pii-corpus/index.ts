/**
 * `@cohort/simulations/pii-corpus`: a seeded multilingual benchmark for free-text PII detection —
 * notes in twelve locales with planted names, phones, dates, addresses, ids, e-mails, IBANs and
 * cards among decoys, their gold spans, and the scorer that the tests and `npm run bench -- masking`
 * share.
 */
export { CORPUS_ENTITY_TYPES, generatePiiCorpus } from './generate';
export type { CorpusEntityType, CorpusNote, GoldSpan, PiiCorpusOptions } from './generate';
export { CORPUS_LOCALES } from './locales';
export type { CorpusLocale } from './locales';
export { maskedShare, precision, recall, scoreDetections } from './score';
export type { CorpusScores, Counts, Detection } from './score';
