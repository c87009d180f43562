export const COORDINATOR_ERROR_CODES = [
  'INVALID_OPTION',
  'STORE_CORRUPT',
  'NOT_RUNNING',
  'SETTINGS_MISMATCH',
  'PRIVACY_REQUIRED',
  'BUDGET_EXHAUSTED',
  'INVALID_ENROLMENT',
  'INSECURE',
] as const;
export type CoordinatorErrorCode = (typeof COORDINATOR_ERROR_CODES)[number];

export class CoordinatorError extends Error {
  override readonly name = 'CoordinatorError';
  readonly code: CoordinatorErrorCode;

  constructor(code: CoordinatorErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
