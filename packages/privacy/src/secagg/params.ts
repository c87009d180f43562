/**
 * Parameters of secure aggregation: the modular arithmetic (bits b, quantisation scale, clip norm),
 * the neighbourhood size k and the Shamir threshold t, and the planner that chooses them for n clients
 * as SecAgg+ does (Bell, Bonawitz, Gascón, Lepoint, Raykova 2020, "Secure Single-Server Aggregation
 * with (Poly)Logarithmic Overhead", §3–4; the Harary-graph analysis follows the one in Google's
 * federated-compute `graph_parameter_finder`).
 *
 * The plan's guarantees are statistical and hold only under its model: corrupt clients are fixed
 * before the graph's seed is drawn, dropouts are independent of the graph, and the coordinator is
 * honest-but-curious (it may collude with corrupt clients but follows the protocol). A coordinator
 * that lies about who dropped out, or picks the graph seed adversarially, is outside that model.
 */
import { PrivacyError } from '../errors';
import { requireInteger, requireNumberInRange, requirePositive } from '../validation';

export interface SecAggParams {
  /** Bits b of the modular arithmetic: values are summed mod 2^b; 1 ≤ b ≤ 32 (Uint32Array storage). */
  bits: number;
  /** Quantisation scale: a coordinate x becomes round_stochastic(x × scale). */
  scale: number;
  /** L2 clip C applied to each client's flattened update before quantising. */
  clipNorm: number;
  /** Length m of the flattened update. */
  modelLength: number;
  /** Neighbours of each client k (n − 1 for the full graph), and the Shamir threshold t (2 ≤ t ≤ k ≤ 255). */
  neighbours: number;
  threshold: number;
}

export interface SecAggPlanOptions {
  /** n, the clients selected for the round; at least 3. */
  clients: number;
  /** L2 clip C of each client's flattened update, in the units of the update. */
  clipNorm: number;
  /** Length m of the flattened update. */
  modelLength: number;
  /** Fraction of clients that may drop out after share-keys and still leave the round recoverable. @default 0.3 */
  dropoutFraction?: number;
  /** Fraction of clients that may collude with the coordinator without learning an honest client's update. @default 0.1 */
  corruptionFraction?: number;
  /** Full graph (Bonawitz et al. 2017) instead of SecAgg+'s O(log n) neighbourhoods. @default false */
  fullGraph?: boolean;
  /** @default 32 */
  bits?: number;
}

/** σ: an honest client's input is hidden except with probability ≤ 2^−σ (per round, union over clients). */
export const SECAGG_SECURITY_BITS = 40;
/** η: a round with at most the planned dropouts fails to unmask with probability ≤ 2^−η. */
export const SECAGG_CORRECTNESS_BITS = 20;
/** Shamir shares are GF(256) points: at most 255 of them. */
export const MAX_SECAGG_NEIGHBOURS = 255;
/** Longest update the arithmetic accepts (2^28 words = 1 GiB per vector). */
export const MAX_SECAGG_MODEL_LENGTH = 2 ** 28;

/** Throws `PrivacyError('INVALID_ARGUMENT')` naming the first field outside its range. */
export function validateSecAggParams(params: SecAggParams): void {
  if (typeof params !== 'object' || params === null) throw new PrivacyError('INVALID_ARGUMENT', 'params must be a SecAggParams object.');
  requireInteger('params.bits', params.bits, 1, 32);
  requirePositive('params.scale', params.scale);
  requirePositive('params.clipNorm', params.clipNorm);
  requireInteger('params.modelLength', params.modelLength, 1, MAX_SECAGG_MODEL_LENGTH);
  requireInteger('params.neighbours', params.neighbours, 2, MAX_SECAGG_NEIGHBOURS);
  requireInteger('params.threshold', params.threshold, 2, params.neighbours);
  // One client's quantised update must fit the centred range, whatever the number of clients.
  checkNoWrap(params, 1);
}

/** The largest |q| of one quantised coordinate: ⌈scale·C⌉ + 1 (the + 1 absorbs rounding of x·scale). */
export function quantisedBound(params: Pick<SecAggParams, 'scale' | 'clipNorm'>): number {
  return Math.ceil(params.scale * params.clipNorm) + 1;
}

/**
 * Throws unless n clients' quantised updates (|q| ≤ ceil(scale·C) + 1 per coordinate) cannot wrap mod 2^b when summed:
 * n·(⌈scale·C⌉+1) < 2^(b−1). The bound is per coordinate and ignores that an L2 clip lets only one coordinate reach C,
 * so it is safe but loose; it leaves no room for noise added after quantising.
 */
export function checkNoWrap(params: SecAggParams, clients: number): void {
  requireInteger('clients', clients, 1);
  requireInteger('params.bits', params.bits, 1, 32);
  requirePositive('params.scale', params.scale);
  requirePositive('params.clipNorm', params.clipNorm);
  const bound = quantisedBound(params);
  const half = 2 ** (params.bits - 1);
  if (!(clients * bound < half))
    throw new PrivacyError(
      'INVALID_ARGUMENT',
      `the sum of ${clients} quantised updates could wrap mod 2^${params.bits}: ${clients} × (⌈scale·clipNorm⌉ + 1) = ${clients * bound} ≥ 2^${params.bits - 1}; lower params.scale or raise params.bits.`,
    );
}

/**
 * Chooses k, t and scale for n clients. With σ = 40 and η = 20 bits, C = ⌊γn⌋ corrupt clients, D = ⌊dn⌋
 * dropouts, S = n − D survivors, and H(N, K, k) the hypergeometric count of marked items among k drawn from
 * N of which K are marked:
 *
 * - **Full graph** (Bonawitz et al. 2017): k = n − 1 and t = max(C + 1, ⌊γk⌋ + 1, 2), feasible when
 *   t ≤ min(S − 1, ⌊(1 − d)k⌋) — worst case, no probability involved.
 * - **SecAgg+**: the smallest even k ≤ min(254, n − 2) with
 *   (i) the honest survivors connected: n(n − k − 1)/2 · ∏_{i<k} (C + D − i)/(n − i) < 2^−(σ+1)
 *       (the Harary graph H(k, n) splits only when two disjoint runs of k/2 consecutive clients are all
 *       corrupt or dropped; union bound over the pairs of runs);
 *   (ii) t = max(t₁ + 1, 2) ≤ t₂ and γk < t ≤ ⌊(1 − d)k⌋, where
 *        t₁ = min{x : P[H(n − 1, C, k) > x] ≤ 2^−(σ+1)/n}  (no client has t corrupt neighbours), and
 *        t₂ = max{x : P[H(n − 1, S − 1, k) < x] ≤ 2^−η/n}  (every client keeps t surviving neighbours).
 *   When no such k exists (small n), the full graph is used instead.
 * - **Scale**: B = ⌊(2^(b−1) − 1)/n⌋ and scale = (B − 1)/C, the finest scale with n·(⌈scale·C⌉ + 1) < 2^(b−1);
 *   refused when B < 2 (bits too few for one quantisation level per clip norm).
 *
 * k grows as O(σ + log n) for SecAgg+ (with the defaults, (k, t) = (6, 2) for n = 10, (34, 11) for n = 100,
 * (76, 31) for n = 500, (130, 52) for n = 10⁶); t is the smallest
 * secure threshold, which keeps reconstruction cheap and tolerates more than d dropouts when fewer corrupt
 * clients than γn are present. Not guaranteed: anything outside the model above (more corrupt clients than
 * γn, dropouts that depend on the graph, a coordinator that lies about dropouts — there is no
 * consistency-check round), and the per-round probabilities compose over rounds by a union bound only.
 *
 * @throws PrivacyError('INVALID_ARGUMENT') naming the reason when no safe choice exists.
 */
export function planSecAgg(options: SecAggPlanOptions): SecAggParams {
  if (typeof options !== 'object' || options === null)
    throw new PrivacyError('INVALID_ARGUMENT', 'options must be a SecAggPlanOptions object.');
  const n = requireInteger('clients', options.clients, 3, 1e9);
  const clipNorm = requirePositive('clipNorm', options.clipNorm);
  const modelLength = requireInteger('modelLength', options.modelLength, 1, MAX_SECAGG_MODEL_LENGTH);
  const d = requireNumberInRange('dropoutFraction', options.dropoutFraction ?? 0.3, 0, 1, { maxExclusive: true });
  const gamma = requireNumberInRange('corruptionFraction', options.corruptionFraction ?? 0.1, 0, 1, { maxExclusive: true });
  const bits = requireInteger('bits', options.bits ?? 32, 1, 32);
  const fullGraph = options.fullGraph ?? false;
  if (typeof fullGraph !== 'boolean') throw new PrivacyError('INVALID_ARGUMENT', `fullGraph must be a boolean; got ${String(fullGraph)}.`);

  const scale = planScale(n, clipNorm, bits);
  const sparse = fullGraph ? undefined : planHarary(n, gamma, d);
  const { neighbours, threshold } = sparse ?? planFullGraph(n, gamma, d, fullGraph);
  const params: SecAggParams = { bits, scale, clipNorm, modelLength, neighbours, threshold };
  validateSecAggParams(params);
  checkNoWrap(params, n);
  return params;
}

const EPS = 1e-12; // keeps ⌊γn⌋ from losing a client to rounding (0.3 × 10 = 2.9999…)

function planFullGraph(n: number, gamma: number, d: number, asked: boolean): { neighbours: number; threshold: number } {
  const sparseLimit = Math.min(MAX_SECAGG_NEIGHBOURS - 1, n - 2);
  const why = asked ? 'the full graph' : `no SecAgg+ neighbourhood k ≤ ${sparseLimit} is safe for n = ${n}, and the full graph`;
  const k = n - 1;
  if (k > MAX_SECAGG_NEIGHBOURS)
    throw new PrivacyError(
      'INVALID_ARGUMENT',
      `${why} needs ${k} neighbours per client, more than the ${MAX_SECAGG_NEIGHBOURS} Shamir shares GF(256) allows; use SecAgg+ (fullGraph: false) or fewer clients.`,
    );
  const corrupt = Math.floor(gamma * n + EPS);
  const survivors = n - Math.floor(d * n + EPS);
  const low = Math.max(corrupt + 1, Math.floor(gamma * k + EPS) + 1, 2);
  const high = Math.min(survivors - 1, Math.floor((1 - d) * k + EPS));
  if (low > high)
    throw new PrivacyError(
      'INVALID_ARGUMENT',
      `${why} has no threshold t with γk < t ≤ (1 − d)k for n = ${n}, corruptionFraction ${gamma}, dropoutFraction ${d}: t must exceed ${low - 1} but at most ${high} clients are sure to survive; lower one of the fractions.`,
    );
  return { neighbours: k, threshold: low };
}

/** The SecAgg+ (k, t) of the doc comment of `planSecAgg`, or undefined when no k < n − 1 qualifies. */
function planHarary(n: number, gamma: number, d: number): { neighbours: number; threshold: number } | undefined {
  const corrupt = Math.floor(gamma * n + EPS);
  const dropped = Math.floor(d * n + EPS);
  const survivors = n - dropped;
  const logSecurity = -(SECAGG_SECURITY_BITS + 1) * Math.LN2;
  const securityTail = 2 ** -(SECAGG_SECURITY_BITS + 1) / n;
  const correctnessTail = 2 ** -SECAGG_CORRECTNESS_BITS / n;
  const maxK = Math.min(MAX_SECAGG_NEIGHBOURS - 1, n - 2);
  for (let k = 2; k <= maxK; k += 2) {
    if (logDisconnected(n, corrupt + dropped, k) >= logSecurity) continue;
    const corruptPmf = hypergeometricPmf(n - 1, corrupt, k);
    const survivingPmf = hypergeometricPmf(n - 1, survivors - 1, k);
    // t₁: smallest x with P[X > x] ≤ securityTail.
    let t1 = k;
    let upper = 0;
    for (let x = k; x >= 0; x--) {
      if (upper > securityTail) break;
      t1 = x;
      upper += corruptPmf[x] as number;
    }
    // t₂: largest x with P[X < x] = P[X ≤ x − 1] ≤ correctnessTail.
    let t2 = 0;
    let lower = 0;
    for (let x = 0; x <= k; x++) {
      if (lower > correctnessTail) break;
      t2 = x;
      lower += survivingPmf[x] as number;
    }
    const t = Math.max(t1 + 1, 2);
    if (t <= t2 && t > gamma * k && t <= Math.floor((1 - d) * k + EPS)) return { neighbours: k, threshold: t };
  }
  return undefined;
}

/** log of n(n − k − 1)/2 · P[k given clients are all bad], bad = corrupt or dropped, drawn without replacement. */
function logDisconnected(n: number, bad: number, k: number): number {
  if (bad < k) return Number.NEGATIVE_INFINITY;
  let log = Math.log(n) + Math.log(n - k - 1) - Math.LN2;
  for (let i = 0; i < k; i++) log += Math.log((bad - i) / (n - i));
  return log;
}

/** P[X = x] for x = 0…k, X ~ H(N, K, k): marked items among k drawn without replacement from N with K marked. */
function hypergeometricPmf(N: number, K: number, k: number): Float64Array {
  const pmf = new Float64Array(k + 1);
  const lo = Math.max(0, k - (N - K));
  const hi = Math.min(k, K);
  if (lo > hi) return pmf;
  // log P[X = lo] = log C(K, lo) + log C(N − K, k − lo) − log C(N, k), then the ratio recurrence upwards.
  let log = logBinomial(K, lo) + logBinomial(N - K, k - lo) - logBinomial(N, k);
  pmf[lo] = Math.exp(log);
  for (let x = lo; x < hi; x++) {
    log += Math.log(((K - x) * (k - x)) / ((x + 1) * (N - K - k + x + 1)));
    pmf[x + 1] = Math.exp(log);
  }
  return pmf;
}

function logBinomial(a: number, b: number): number {
  let log = 0;
  for (let i = 0; i < b; i++) log += Math.log((a - i) / (b - i));
  return log;
}

/** The finest scale with n·(⌈scale·C⌉ + 1) < 2^(b−1). */
function planScale(n: number, clipNorm: number, bits: number): number {
  const perClient = Math.floor((2 ** (bits - 1) - 1) / n);
  if (perClient < 2)
    throw new PrivacyError(
      'INVALID_ARGUMENT',
      `bits ${bits} are too few for ${n} clients: the sum of their quantised updates would wrap mod 2^${bits} even at one quantisation level per clip norm (n × 2 must be < 2^${bits - 1}); use at least ${Math.ceil(Math.log2(2 * n + 1)) + 1} bits.`,
    );
  let scale = (perClient - 1) / clipNorm;
  // x·C can round up past an integer; step down until the exact check holds.
  while (n * (Math.ceil(scale * clipNorm) + 1) >= 2 ** (bits - 1)) scale *= 1 - 2 ** -40;
  return scale;
}
