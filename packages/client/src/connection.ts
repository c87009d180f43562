/**
 * The client's connection without TensorFlow.js: a process that drives clients whose training runs
 * elsewhere (the simulation's main thread, whose workers train) imports this instead of the index.
 */
export { CohortClient, createClient } from './client';
export type { ClientOptions, PrivacyEvent, RoundDone } from './client';
export type { FitTask, ModelTask, Trainer } from './trainer';
