export { Coordinator } from './coordinator';
export { COORDINATOR_HEAP_GROWTH_PERCENT, MAX_HEAP_GROWTH_PERCENT, setHeapGrowth } from './heap-growth';
export type { RoundParticipation, RoundReport, RunOutcome } from './round-report';
export { RoundEngine } from './round-engine';
export { CoordinatorError, COORDINATOR_ERROR_CODES } from './errors';
export type { CoordinatorErrorCode } from './errors';
export type { CoordinatorOptions, DpOptions, InitialModel, RunSecurity } from './options';
export { DeviceAuth } from './trust/device-auth';
export { SECURE_SUM } from './round-engine';
export { SecureRound, planSecureRound } from './secure-aggregation';
export type { SecureAggregationOptions, SecureRoundOutcome, SecureTransport, StageFigures } from './secure-aggregation';
export type { Authenticate, ConnectionIdentity, DeviceAuthOptions } from './trust/device-auth';
export { Enrolment, parseEnrolment } from './trust/enrolment';
export type { EnrolledDevice } from './trust/enrolment';

// Strategies
export { FedAvg, applyWeightedMeanDelta } from './strategy/fed-avg';
export { handBackIfLent, lentMemoryOf } from './lent-memory';
export type { AggregationOrder, FedAvgOptions } from './strategy/fed-avg';
export { averageFitMetrics, boundedWeight, clipDeltas } from './strategy/fed-avg';
export type { InfluenceBounds, SamplingOptions } from './strategy/fed-avg';
export { RobustStrategy, addDelta, coordinateWise } from './strategy/robust-strategy';
export type { RobustOptions, Update } from './strategy/robust-strategy';
export { FedMedian, coordinateMedian } from './strategy/fed-median';
export type { FedMedianOptions } from './strategy/fed-median';
export { FedTrimmedAvg, trimCount, trimmedMean } from './strategy/fed-trimmed-avg';
export type { FedTrimmedAvgOptions } from './strategy/fed-trimmed-avg';
export { Krum, MultiKrum, krumScores, krumSelect, meanOf, squaredDistance } from './strategy/krum';
export type { KrumOptions, MultiKrumOptions } from './strategy/krum';
export { ServerOptimiser, momentLike } from './strategy/server-optimiser';
export type { OptimiserStep, ServerOptimiserOptions } from './strategy/server-optimiser';
export { decodeOptimiserState, encodeOptimiserState } from './strategy/optimiser-state';
export type { Moments, OptimiserState } from './strategy/optimiser-state';
export { FedAvgM, fedAvgMStep } from './strategy/fed-avgm';
export type { FedAvgMOptions } from './strategy/fed-avgm';
export { FedOpt, fedOptStep } from './strategy/fed-opt';
export type { FedOptOptions, FedOptSettings, SecondMoment } from './strategy/fed-opt';
export { FedAdam, adamSecondMoment } from './strategy/fed-adam';
export type { FedAdamOptions } from './strategy/fed-adam';
export { FedYogi, yogiSecondMoment } from './strategy/fed-yogi';
export type { FedYogiOptions } from './strategy/fed-yogi';
export { FedAdagrad, adagradSecondMoment } from './strategy/fed-adagrad';
export type { FedAdagradOptions } from './strategy/fed-adagrad';
export { STRATEGY_NAMES, resolveStrategy } from './strategy/strategy-settings';
export type { StrategyName, StrategyPlan, StrategySettings } from './strategy/strategy-settings';
export { metricsFromConfusion, sumEvaluations } from './strategy/classification-metrics';
export { sampleClients } from './strategy/sampling';
export type {
  ClassificationMetrics,
  ClientInstruction,
  DpRelease,
  EvaluateResult,
  FairnessMetrics,
  Failure,
  FitAccumulator,
  FitAggregate,
  FitPlan,
  FitResult,
  FitResultSummary,
  GroupMetrics,
  NonFiniteValue,
  Strategy,
} from './strategy/strategy';
export { clientAccuracySpread, fairnessFromResults } from './strategy/fairness-metrics';

// Transports
export type { RoundTask, Transport, TransportSetup } from './transport/transport';
export { SocketTransport } from './transport/socket-transport';
export type { SocketTransportOptions } from './transport/socket-transport';
export { MemoryTransport } from './transport/memory-transport';
export type { MemoryClient, MemoryMessage } from './transport/memory-transport';

// State
export { Store } from './store/store';
export type { Checkpoint, EvaluationRecord, RoundRecord, RunRecord } from './store/store';
export { writeLayersModel } from './model-files';

// Differential privacy
export { resolveDp } from './dp/dp-settings';
export type { DpSettings } from './dp/dp-settings';
export { LEDGER_HEAD_FILE } from './dp/ledger-export';
export { CentralDp } from './dp/central-dp';
export type { AdaptiveClippingOptions, CentralDpOptions } from './dp/central-dp';
export { LocalDpFixedClipping } from './dp/local-dp';
export type { LocalDpOptions } from './dp/local-dp';
export { CENTRED_COUNT_SENSITIVITY, composeNoiseMultiplier, splitNoiseMultiplier } from './dp/adaptive-noise';
export type { AdaptiveNoise } from './dp/adaptive-noise';
export { poissonSample } from './dp/poisson-sampling';
export { PrivacyAccounting } from './dp/privacy-accounting';
export type { EpsilonReport, Release } from './dp/privacy-accounting';
