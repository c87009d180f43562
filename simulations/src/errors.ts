/** Why a simulation could not be set up. */
export const SIMULATION_ERROR_CODES = [
  /** The dataset name is not one of `mnist`, `synthetic`, `csv:PATH`. */
  'UNKNOWN_DATASET',
  /** A CSV dataset was requested without the name of its label column. */
  'MISSING_LABEL',
  /** The data could not be read or is malformed; `cause` holds the underlying error. */
  'INVALID_DATA',
  /** The partition text is not `iid`, `dirichlet:ALPHA` or `shards:K`. */
  'INVALID_PARTITION',
  /** The data cannot be split as asked (too many clients, minimum size not reached). */
  'PARTITION_INFEASIBLE',
  /** A numeric option is out of its allowed range. */
  'INVALID_OPTION',
] as const;

export type SimulationErrorCode = (typeof SIMULATION_ERROR_CODES)[number];

export class SimulationError extends Error {
  override readonly name = 'SimulationError';
  readonly code: SimulationErrorCode;

  constructor(code: SimulationErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
