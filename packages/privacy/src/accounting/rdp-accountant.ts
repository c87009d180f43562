/**
 * Stateful Rényi-DP accountant for the Poisson-subsampled Gaussian, in the style of Opacus's
 * `RDPAccountant`: `step()` composes releases (RDP adds up order by order), `getEpsilon(δ)` converts
 * with the Canonne–Kamath–Steinke bound. Analysis after Mironov, Talwar, Zhang (2019), "Rényi
 * Differential Privacy of the Sampled Gaussian Mechanism"; the maths lives in `rdp.ts` and
 * `rdp-conversion.ts`.
 */
import type { Accountant } from './accountant';
import { appendEntry, parseState, validateStep } from './accountant-history';
import type { AccountantState, GaussianStep, HistoryEntry } from './accountant-history';
import { PrivacyError } from '../errors';
import { computeRdp, DEFAULT_RDP_ORDERS, validateOrders } from './analysis/rdp';
import type { FractionalSeries } from './analysis/rdp';
import { rdpToDelta, rdpToEpsilon } from './analysis/rdp-conversion';
import type { EpsilonAtOrder } from './analysis/rdp-conversion';

export interface RdpAccountantOptions {
  /**
   * Orders α > 1 at which RDP is tracked; ε is minimised over them.
   * @default DEFAULT_RDP_ORDERS (dp_accounting's grid: 1.1 … 10.9, 11 … 63, 128, 256, 512, 1024)
   */
  orders?: readonly number[];
  /**
   * Fractional-order series: 'exact' keeps the signs (Opacus, tight); 'absolute' sums absolute
   * values (dp_accounting ≥ 2024, a looser valid bound).
   * @default 'exact'
   */
  fractionalSeries?: FractionalSeries;
}

export type RdpAccountantState = AccountantState<'rdp', { orders: number[]; fractionalSeries: FractionalSeries }>;

export class RdpAccountant implements Accountant {
  readonly kind = 'rdp' as const;
  readonly orders: readonly number[];
  readonly fractionalSeries: FractionalSeries;
  private readonly total: Float64Array;
  private readonly entries: HistoryEntry[] = [];
  /** RDP of one release per (σ, q), so that a step per round costs O(orders) after the first. */
  private readonly perStep = new Map<string, Float64Array>();

  constructor(options: RdpAccountantOptions = {}) {
    this.orders = Object.freeze([...validateOrders(options.orders ?? DEFAULT_RDP_ORDERS)]);
    const series = options.fractionalSeries ?? 'exact';
    if (series !== 'exact' && series !== 'absolute') {
      throw new PrivacyError('INVALID_ARGUMENT', `fractionalSeries must be 'exact' or 'absolute'; got ${String(series)}.`);
    }
    this.fractionalSeries = series;
    this.total = new Float64Array(this.orders.length);
  }

  /** Composes `count` releases of the Poisson-subsampled Gaussian. */
  step(step: GaussianStep, count = 1): this {
    const entry = validateStep(step, count);
    const key = `${entry.noiseMultiplier}:${entry.sampleRate}`;
    let rdp = this.perStep.get(key);
    if (!rdp) {
      rdp = computeRdp({ ...entry, steps: 1, orders: this.orders, fractionalSeries: this.fractionalSeries });
      if (this.perStep.size >= 64) this.perStep.clear();
      this.perStep.set(key, rdp);
    }
    for (let i = 0; i < rdp.length; i++) this.total[i] = (this.total[i] as number) + entry.count * (rdp[i] as number);
    appendEntry(this.entries, entry);
    return this;
  }

  /** The releases composed so far (consecutive identical releases merged). */
  get history(): readonly Readonly<HistoryEntry>[] {
    return this.entries.map((e) => ({ ...e }));
  }

  /** Accumulated RDP at each of `orders`. */
  getRdp(): Float64Array {
    return this.total.slice();
  }

  /** ε at δ, with the order attaining it. */
  getEpsilonAndOrder(delta: number): EpsilonAtOrder {
    return rdpToEpsilon(this.orders, this.total, delta);
  }

  /** The smallest ε over the orders such that the composition is (ε, δ)-DP. */
  getEpsilon(delta: number): number {
    return this.getEpsilonAndOrder(delta).epsilon;
  }

  /** The smallest δ over the orders such that the composition is (ε, δ)-DP. */
  getDelta(epsilon: number): number {
    return rdpToDelta(this.orders, this.total, epsilon).delta;
  }

  toJSON(): RdpAccountantState {
    return {
      kind: 'rdp',
      version: 1,
      options: { orders: [...this.orders], fractionalSeries: this.fractionalSeries },
      history: this.entries.map((e) => ({ ...e })),
    };
  }

  /** Rebuilds an accountant by replaying a state produced by `toJSON()`. */
  static fromJSON(state: unknown): RdpAccountant {
    const { options, history } = parseState(state, 'rdp');
    let accountant: RdpAccountant;
    try {
      accountant = new RdpAccountant(options as RdpAccountantOptions);
    } catch (cause) {
      throw new PrivacyError('INVALID_STATE', `cannot restore an rdp accountant: ${(cause as Error).message}`, { cause });
    }
    for (const { count, ...step } of history) accountant.step(step, count);
    return accountant;
  }
}
