/**
 * `cohort simulate`'s entry: the Simulation alone, without the index's dataset generators (faker) and
 * TensorFlow.js, which the main thread of a simulation does not need — its workers train.
 */
export { Simulation, runSimulation } from './run-simulation';
export type { SimulationOptions, SimulationSummary } from './run-simulation';
