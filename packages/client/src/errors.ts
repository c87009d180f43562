export const CLIENT_ERROR_CODES = ['INVALID_OPTION', 'REFUSED', 'INVALID_MODEL', 'INVALID_DATA', 'CLOSED'] as const;
export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number];

export class ClientError extends Error {
  override readonly name = 'ClientError';
  readonly code: ClientErrorCode;

  constructor(code: ClientErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
