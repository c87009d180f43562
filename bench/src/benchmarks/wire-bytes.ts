/**
 * Bytes on the wire. A real Coordinator and a few real clients (no-op trainer) talk through a
 * counting TCP relay, so the figures include WebSocket and socket.io framing, the manifest and the
 * acknowledgements.
 *
 * - Per update ÷ raw float32 parameter bytes (training only; counters read at the 'round' events of
 *   the first and last rounds, so connection set-up is excluded).
 * - Downloads with evaluation every round, against Flower, which sends each client the model for fit
 *   and again for evaluate (2 models per client per round): here the evaluation of round r rides on
 *   round r + 1's download, and only the final model's evaluation has a round of its own. Everything
 *   the coordinator sends over the whole job counts, connection set-up and the final evaluation included.
 */
import type { Benchmark, Figure, Ratio } from '../lib/result';
import { CountingProxy } from '../lib/counting-proxy';
import { runNoopFederation, type NoopFederationOptions } from '../lib/federation';
import { parameterCount, syntheticModel } from '../lib/model';
import { figure, median } from '../lib/stats';

const CLIENTS = 3;
const ROUNDS = 5;
/** The fused-download job: evaluation after every round, initial model included. */
const EVALUATED_ROUNDS = 10;

interface Snapshot {
  round: number;
  up: number;
  down: number;
  bytesIn: number;
  bytesOut: number;
}

/** Runs a no-op federation through a counting relay; snapshots at each 'round' event, and the totals. */
async function countedFederation(options: Omit<NoopFederationOptions, 'clientUrl' | 'onRound'>) {
  let proxy: CountingProxy | undefined;
  const snapshots: Snapshot[] = [];
  try {
    await runNoopFederation({
      ...options,
      clientUrl: async (port) => {
        proxy = new CountingProxy(port);
        return `http://127.0.0.1:${await proxy.listen()}`;
      },
      onRound: (report) =>
        snapshots.push({
          round: report.round,
          up: proxy!.up,
          down: proxy!.down,
          bytesIn: report.participation?.bytesIn ?? 0,
          bytesOut: report.participation?.bytesOut ?? 0,
        }),
    });
    return { snapshots, totalDown: proxy!.down };
  } finally {
    await proxy?.close();
  }
}

export const run: Benchmark = async () => {
  const model = syntheticModel(1000, 1000);
  const rawBytes = parameterCount(model.weights) * 4;

  const training = await countedFederation({ model, rounds: ROUNDS, clients: CLIENTS });
  const { snapshots } = training;
  // Per round after the first: the difference between consecutive 'round' events.
  const perUpdate: number[] = [];
  const perDownload: number[] = [];
  for (let k = 1; k < snapshots.length; k++) {
    perUpdate.push((snapshots[k]!.up - snapshots[k - 1]!.up) / CLIENTS / rawBytes);
    perDownload.push((snapshots[k]!.down - snapshots[k - 1]!.down) / CLIENTS / rawBytes);
  }
  const reported = snapshots.slice(1).map((s) => s.bytesIn / CLIENTS / rawBytes);
  const up = figure(
    'client → coordinator bytes per update (TCP, counted)',
    perUpdate.map((r) => r * rawBytes),
    'B',
  );
  const raw = figure('raw float32 parameter bytes', [rawBytes], 'B', true);

  const fused = await fusedDownloads(model, rawBytes);
  return {
    figures: [
      up,
      figure(
        'coordinator → client bytes per round (model + ack + round:end)',
        perDownload.map((r) => r * rawBytes),
        'B',
      ),
      raw,
      figure(
        "coordinator's own RoundReport.bytesIn per update",
        reported.map((r) => r * rawBytes),
        'B',
      ),
      ...fused.figures,
    ],
    ratios: [
      {
        label: 'wire bytes per update ÷ raw float32 bytes',
        value: up.value / rawBytes,
        meaning: '1 = no overhead; JSON numbers would be ~2.5–3',
      },
      { label: 'wire bytes per model download ÷ raw float32 bytes', value: median(perDownload), meaning: 'round:start + ack + round:end' },
      { label: 'RoundReport.bytesIn ÷ raw float32 bytes', value: median(reported), meaning: 'payload only: misses framing' },
      ...fused.ratios,
    ],
    notes: [
      `${CLIENTS} clients, ${ROUNDS} rounds (${snapshots.length - 1} measured), ${rawBytes / 4} params; framing overhead per update ≈ ${(up.value - rawBytes).toFixed(0)} B`,
      fused.note,
    ],
  };
};

/** Server → client bytes of a job evaluated every round, against Flower's two models per client per round. */
async function fusedDownloads(
  model: ReturnType<typeof syntheticModel>,
  rawBytes: number,
): Promise<{ figures: Figure[]; ratios: Ratio[]; note: string }> {
  const { snapshots, totalDown } = await countedFederation({ model, rounds: EVALUATED_ROUNDS, clients: CLIENTS, evalEvery: 1 });
  const flowerPerRound = 2 * CLIENTS * rawBytes;
  // Steady state: between the reports of rounds 1…9, each a fit download that carries the previous model's evaluation.
  const steady = snapshots
    .slice(1, EVALUATED_ROUNDS)
    .map((s, k) => (s.down - snapshots[k]!.down) / CLIENTS)
    .slice(1);
  const whole = totalDown / EVALUATED_ROUNDS / CLIENTS;
  return {
    figures: [
      figure(`coordinator → client bytes per round, evaluated every round (${EVALUATED_ROUNDS} rounds, all sent)`, [whole], 'B'),
      figure('coordinator → client bytes per fused round (steady state)', steady, 'B'),
    ],
    ratios: [
      {
        label: `server → client bytes per round ÷ Flower's (2 models per client per round), ${EVALUATED_ROUNDS} rounds`,
        value: (whole * CLIENTS) / flowerPerRound,
        meaning: `≤ 0.55 = one model per client per round plus the final evaluation ((${EVALUATED_ROUNDS} + 1) ÷ ${2 * EVALUATED_ROUNDS})`,
      },
      {
        label: 'models sent per client per fused round (steady state)',
        value: median(steady) / rawBytes,
        meaning: '1 = the fit download carries the evaluation too (Flower: 2)',
      },
    ],
    note: `fused downloads: ${CLIENTS} clients, ${EVALUATED_ROUNDS} rounds, evaluation after every round and of the initial model; ${snapshots.length} reports`,
  };
}
