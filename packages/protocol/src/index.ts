export { PROTOCOL_VERSION } from './version';
export { ProtocolError, REJECTION_CODES } from './errors';
export type { Rejection, RejectionCode } from './errors';
export {
  DTYPES,
  contiguousFloat32,
  decodeTensors,
  dtypeOf,
  elementCount,
  encodeTensors,
  findNonFinite,
  manifestOf,
  specsOf,
} from './codec';
export type { DType, DecodeBounds, EncodedTensors, ManifestEntry, NamedTensor, TensorData, TensorSpec } from './codec';
export {
  COMPRESSIONS,
  Q8_CHUNK_LENGTH,
  cryptoRandomBytes,
  decodeUpdateTensors,
  dequantiseQ8,
  encodeUpdateTensors,
  q8ByteLength,
  quantiseQ8,
} from './compression';
export type { Compression, RandomBytes } from './compression';
export { isLoopbackHost } from './loopback';
export {
  SECAGG_STAGES,
  canonicalJson,
  encryptedShareSchema,
  secAggAnswerBytes,
  unmaskAssociatedData,
  unmaskSharesSchema,
  secAggAdvertisementSchema,
  secAggRefusalSchema,
  secAggRequestSchema,
  secAggResponseSchemas,
} from './secagg';
export type { SecAggRefusal, SecAggRequest, SecAggResponse, SecAggStage } from './secagg';
export { answerSigningBytes, handshakeProofBytes, sealAssociatedData } from './signing';
export {
  ackSchema,
  authChallengeSchema,
  authProofSchema,
  authRefusalSchema,
  clientErrorSchema,
  distributedDpConfigSchema,
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
  sealSchema,
  secureAggregationConfigSchema,
  updateSchema,
  versionMismatch,
} from './schemas';
export type {
  Ack,
  AuthChallenge,
  AuthProof,
  AuthRefusal,
  ClientErrorMessage,
  DistributedDpConfig,
  DpInstruction,
  EvaluationMessage,
  FitConfig,
  FitMetrics,
  Handshake,
  ModelDescription,
  RoundEnd,
  RoundStart,
  RunEnd,
  Seal,
  SecureAggregationConfig,
  UpdateMessage,
} from './schemas';
export type { ClientToServerEvents, ServerToClientEvents } from './events';
