/**
 * What would fit a privacy budget that cannot fit a run's first round, said instead of "exhausted
 * after round 0": the cost of one round, and the noise multiplier or budget that would fit the
 * planned rounds. Figures are RDP, the accountant the budget is held to.
 */
import { existsSync } from 'node:fs';
import { RdpAccountant } from '@cohort/privacy';
import { Store, type DpOptions, type Release } from '@cohort/coordinator';

/** The releases a federation's database records (none when it has no database yet). */
export function spentReleases(dbPath: string): Release[] {
  if (!existsSync(dbPath)) return [];
  const store = new Store(dbPath);
  try {
    return store.ledger().map((e) => ({ noiseMultiplier: e.noiseMultiplier, sampleRate: e.sampleRate }));
  } finally {
    store.close();
  }
}

/** The largest noise multiplier searched for; beyond it a budget is called spent. */
const MAX_NOISE_MULTIPLIER = 1e4;

export function budgetAdvice(dp: DpOptions, spent: readonly Release[], rounds: number): string {
  const budget = dp.budgetEpsilon ?? Number.POSITIVE_INFINITY;
  // Central and distributed DP are amplified by sampling; local DP is accounted per client, unamplified.
  const sampleRate = dp.mode === 'local' ? 1 : dp.sampleRate;
  const epsilonAfter = (noiseMultiplier: number, count: number): number => {
    const accountant = new RdpAccountant();
    for (const release of spent) accountant.step(release, 1);
    if (count > 0) accountant.step({ noiseMultiplier, sampleRate }, count);
    return spent.length + count === 0 ? 0 : accountant.getEpsilon(dp.delta);
  };
  const already = epsilonAfter(dp.noiseMultiplier, 0);
  const head =
    `the privacy budget ε = ${budget} (δ = ${dp.delta}) cannot fit round 1: one round at noise multiplier ${figure(dp.noiseMultiplier)} ` +
    `and sampling rate ${sampleRate} costs ε = ${figure(epsilonAfter(dp.noiseMultiplier, 1) - already)}` +
    (spent.length > 0 ? ` on top of ε = ${figure(already)} this federation has spent over ${spent.length} releases` : '');
  if (epsilonAfter(MAX_NOISE_MULTIPLIER, rounds) > budget)
    return `${head}. The budget is spent: no noise multiplier fits ${rounds} more rounds; a new federation needs a new data directory.`;
  let low = dp.noiseMultiplier;
  let high = MAX_NOISE_MULTIPLIER;
  while (high - low > 1e-3 * low) {
    const middle = (low + high) / 2;
    if (epsilonAfter(middle, rounds) <= budget) high = middle;
    else low = middle;
  }
  return (
    `${head}. What would fit the planned ${rounds} rounds: --noise-multiplier ${up(high)} or more` +
    (spent.length === 0 ? ` (or --target-epsilon ${budget})` : '') +
    `, or --budget-epsilon ${up(epsilonAfter(dp.noiseMultiplier, rounds))} or more at noise multiplier ${figure(dp.noiseMultiplier)}.`
  );
}

function figure(value: number): string {
  return Number(value.toPrecision(4)).toString();
}

/** Four significant figures, rounded up: a suggested minimum must not fall short of the bound. */
function up(value: number): string {
  const step = 10 ** (Math.floor(Math.log10(value)) - 3);
  return Number((Math.ceil(value / step) * step).toPrecision(4)).toString();
}
