/**
 * `@cohort/privacy/masking`: data masking on the device, before anything else touches the records —
 * the policy, the detectors of personal data, the masking operators, k-anonymity and the device key.
 */
export { maskRecords } from './mask-records';
export type { InputCell, MaskRecordsOptions, MaskRecordsResult } from './mask-records';
export { MASKING_OPERATORS, parseMaskingPolicy } from './policy';
export type { ColumnRule, MaskingOperator, MaskingPolicy } from './policy';
export type { ColumnReport, KAnonymityReport, MaskingReport } from './report';
export { asciiDigits, detectEntities, scanText } from './detect';
export type { DetectOptions } from './detect';
export { ENTITY_TYPES, entityTag } from './entities';
export type { EntitySpan, EntityType } from './entities';
export { detectEmails } from './detect-contact';
export { DEFAULT_PHONE_REGIONS, detectPhones } from './detect-phones';
export type { PhoneOptions } from './detect-phones';
export { detectCreditCards, detectIbans } from './detect-financial';
export { detectIpv4, detectIpv6 } from './detect-network';
export { detectDates, parseDate } from './detect-dates';
export type { DateParts } from './detect-dates';
export { detectUkNinos, detectUsSsns } from './detect-national-id';
export { detectAddresses } from './detect-addresses';
export { detectPersons } from './detect-names';
export { detectJapaneseNames } from './detect-names-ja';
export { detectArabicNames } from './detect-names-ar';
export { isListedName } from './name-lists';
export type { ExtraNames } from './detect-names';
export { resolveOverlaps } from './overlaps';
export { ibanValid, luhnValid } from './checksums';
export { generalise } from './generalise';
export { MIN_SECRET_KEY_BYTES, pseudonymise, TokenVault } from './keyed';
export { maskCharacters } from './operators';
export { enforceKAnonymity, equivalenceClasses } from './k-anonymity';
export type { KAnonymityResult } from './k-anonymity';
export { MASKING_KEY_BYTES, readMaskingKey, readOrCreateMaskingKey } from './device-key';
