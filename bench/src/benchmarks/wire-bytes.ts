/**
 * Bytes on the wire per update ÷ raw float32 parameter bytes. A real Coordinator and a few real
 * clients (no-op trainer) talk through a counting TCP relay, so the figure includes WebSocket and
 * socket.io framing, the manifest and the acknowledgements. Counters are read at the 'round' events
 * of the first and last rounds, so connection set-up is excluded.
 */
import type { Benchmark } from '../lib/result';
import { CountingProxy } from '../lib/counting-proxy';
import { runNoopFederation } from '../lib/federation';
import { parameterCount, syntheticModel } from '../lib/model';
import { figure, median } from '../lib/stats';

const CLIENTS = 3;
const ROUNDS = 5;

export const run: Benchmark = async () => {
  const model = syntheticModel(1000, 1000);
  const rawBytes = parameterCount(model.weights) * 4;
  let proxy: CountingProxy | undefined;
  const snapshots: { round: number; up: number; down: number; bytesIn: number; bytesOut: number }[] = [];
  try {
    await runNoopFederation({
      model,
      rounds: ROUNDS,
      clients: CLIENTS,
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
  } finally {
    await proxy?.close();
  }
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
  const overheadUp = up.value - rawBytes;
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
    ],
    ratios: [
      {
        label: 'wire bytes per update ÷ raw float32 bytes',
        value: up.value / rawBytes,
        meaning: '1 = no overhead; JSON numbers would be ~2.5–3',
      },
      { label: 'wire bytes per model download ÷ raw float32 bytes', value: median(perDownload), meaning: 'round:start + ack + round:end' },
      { label: 'RoundReport.bytesIn ÷ raw float32 bytes', value: median(reported), meaning: 'payload only: misses framing' },
    ],
    notes: [
      `${CLIENTS} clients, ${ROUNDS} rounds (${snapshots.length - 1} measured), ${rawBytes / 4} params; framing overhead per update ≈ ${overheadUp.toFixed(0)} B`,
    ],
  };
};
