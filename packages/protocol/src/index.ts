export { PROTOCOL_VERSION } from './version';
export { ProtocolError, REJECTION_CODES } from './errors';
export type { Rejection, RejectionCode } from './errors';
export { DTYPES, decodeTensors, dtypeOf, elementCount, encodeTensors, findNonFinite, manifestOf, specsOf } from './codec';
export type { DType, DecodeBounds, EncodedTensors, ManifestEntry, NamedTensor, TensorData, TensorSpec } from './codec';
export {
  ackSchema,
  clientErrorSchema,
  dpInstructionSchema,
  evaluationSchema,
  fitConfigSchema,
  handshakeSchema,
  manifestEntrySchema,
  modelDescriptionSchema,
  parseMessage,
  roundEndSchema,
  roundStartSchema,
  runEndSchema,
  updateSchema,
  versionMismatch,
} from './schemas';
export type {
  Ack,
  ClientErrorMessage,
  DpInstruction,
  EvaluationMessage,
  FitConfig,
  FitMetrics,
  Handshake,
  ModelDescription,
  RoundEnd,
  RoundStart,
  RunEnd,
  UpdateMessage,
} from './schemas';
export type { ClientToServerEvents, ServerToClientEvents } from './events';
