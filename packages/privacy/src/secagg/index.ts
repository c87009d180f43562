/**
 * `@cohort/privacy/secagg`: the socket-free core of secure aggregation — SecAgg+ (Bell, Bonawitz, Gascón,
 * Lepoint, Raykova 2020, "Secure Single-Server Aggregation with (Poly)Logarithmic Overhead") over the
 * protocol of Bonawitz et al. 2017 ("Practical Secure Aggregation for Privacy-Preserving Machine
 * Learning"): parameters and the neighbourhood graph, quantisation to integers mod 2^b, the mask PRG,
 * Shamir shares, and the client and coordinator state machines. The transport carries the messages.
 *
 * Secure against an honest-but-curious coordinator colluding with up to the planned fraction of
 * clients; not against one that lies about dropouts (no consistency-check round) or picks the graph seed.
 */
export {
  checkNoWrap,
  MAX_SECAGG_NEIGHBOURS,
  planSecAgg,
  quantisedBound,
  SECAGG_CORRECTNESS_BITS,
  SECAGG_SECURITY_BITS,
  validateSecAggParams,
} from './params';
export type { SecAggParams, SecAggPlanOptions } from './params';
export { neighbourGraph } from './graph';
export { dequantiseSum, quantise } from './quantise';
export { expandMask } from './prg';
export { advertisementBytes } from './messages';
export type { AdvertisementVerifier, EncryptedShare, SecAggAdvertisement, UnmaskRequest, UnmaskResponse } from './messages';
export { SecAggClient } from './client';
export type { SecAggClientOptions } from './client';
export { SecAggServer } from './server';
export type { SecAggServerOptions } from './server';
