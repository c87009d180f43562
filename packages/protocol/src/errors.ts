/** Why a message was refused. Travels on the wire in acknowledgements and connection errors. */
export const REJECTION_CODES = [
  'VERSION_MISMATCH',
  'INVALID_MESSAGE',
  'WRONG_RUN',
  'WRONG_ROUND',
  'NOT_SELECTED',
  'DUPLICATE',
  'SHAPE_MISMATCH',
  'NON_FINITE',
  'TOO_LARGE',
  'TOO_MANY_TENSORS',
  'CLIENT_ID_MISMATCH',
  // Identity: the handshake and signed, sealed answers.
  'KEY_REQUIRED',
  'UNKNOWN_KEY',
  'KEY_ID_MISMATCH',
  'BAD_PROOF',
  'ID_IN_USE',
  'REVOKED',
  'UNSIGNED',
  'BAD_SIGNATURE',
  'SEAL_REQUIRED',
  'BAD_SEAL',
  // Load, not content: the coordinator refused a connection or a message to protect itself.
  'TOO_MANY_CONNECTIONS',
  'TOO_MANY_FROM_ADDRESS',
  'RATE_LIMITED',
] as const;

export type RejectionCode = (typeof REJECTION_CODES)[number];

/** The wire form of a rejection. */
export interface Rejection {
  code: RejectionCode;
  message: string;
}

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  readonly code: RejectionCode;

  constructor(code: RejectionCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  toWire(): Rejection {
    return { code: this.code, message: this.message };
  }
}
