/**
 * What a training thread needs and nothing else (no socket.io client, no data pipeline, no privacy
 * code): the simulation's workers import this, so that each thread loads less.
 */
export { initBackend } from './backend';
export type { BackendName } from './backend';
export { selectRows } from './examples';
export type { Examples } from './examples';
export { evaluateLocally, fitLocally } from './local-training';
export type { EvaluateOutcome, FitOutcome } from './local-training';
export { ModelCache } from './model/model-cache';
export { describe as describeModel, initialModel } from './model/describe';
export type { ModelDescriptionData } from './model/describe';
