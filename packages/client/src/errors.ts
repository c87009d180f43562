export const CLIENT_ERROR_CODES = [
  'INVALID_OPTION',
  'REFUSED',
  'INVALID_MODEL',
  'INVALID_DATA',
  'CLOSED',
  /** A fit update would take the client's own ε past its budget: it is not sent. */
  'PRIVACY_BUDGET',
  /** The coordinator asked for an update that would not be private (seeded or no local noise). */
  'UNSAFE_DP',
  /** The privacy budget file exists but cannot be trusted. */
  'CORRUPT_STATE',
  /** The privacy budget file cannot be read or written. */
  'STATE_IO',
  /** The round is not securely aggregated and this client requires it. */
  'UNSAFE_AGGREGATION',
  /** The coordinator's key is not the one this client pinned. */
  'UNTRUSTED_COORDINATOR',
  /** Plain WebSockets to a host other than loopback, without `insecure`. */
  'INSECURE',
  /** The coordinator could not be reached in `maxConnectAttempts` tries in a row. */
  'UNREACHABLE',
  /** This client's data does not fit the coordinator's model (e.g. another number of features). */
  'DATA_MISMATCH',
] as const;
export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number];

export class ClientError extends Error {
  override readonly name = 'ClientError';
  readonly code: ClientErrorCode;

  constructor(code: ClientErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
