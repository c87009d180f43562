/**
 * The one error class of `@cohort/privacy`. Misuse throws a `PrivacyError` whose `code` says what
 * kind of misuse it was and whose message names the offending field and its allowed range.
 */

/** Why a privacy operation was refused. Travels on the wire in acknowledgements. */
export const PRIVACY_ERROR_CODES = [
  /** An argument or option is outside its documented range. */
  'INVALID_ARGUMENT',
  /** An input tensor holds NaN or ±Infinity, so no sensitivity bound can be enforced. */
  'NON_FINITE_INPUT',
  /** A serialised accountant state is malformed or has an unknown version. */
  'INVALID_STATE',
  /** A search (calibration, inversion) could not reach its target within its bracket. */
  'UNREACHABLE_TARGET',
  /** A numerical routine could not produce a trustworthy value (e.g. a grid that would not fit). */
  'NUMERICAL_FAILURE',
  /** A peer or the coordinator sent a message the protocol forbids (e.g. asking for both shares of one client). */
  'PROTOCOL_VIOLATION',
] as const;

export type PrivacyErrorCode = (typeof PRIVACY_ERROR_CODES)[number];

/** The wire form of a privacy error. */
export interface PrivacyErrorWire {
  code: PrivacyErrorCode;
  message: string;
}

export class PrivacyError extends Error {
  override readonly name = 'PrivacyError';
  readonly code: PrivacyErrorCode;

  constructor(code: PrivacyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  toWire(): PrivacyErrorWire {
    return { code: this.code, message: this.message };
  }
}
