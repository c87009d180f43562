/**
 * Round overhead: 100 real clients × ~1M params with the no-op trainer, time per committed round
 * (RoundReport.durationMs and wall time between 'round' events), against a bare socket.io echo of
 * the same bytes to the same number of connections. Everything runs in this one process, so both
 * sides of every connection share its 2 cores, for subject and baseline alike. The process's CPU
 * time per round and per echo is reported too: on a machine others share, it moves less than wall
 * time does.
 */
import { encodeTensors } from '@cohort/protocol';
import type { Benchmark } from '../lib/result';
import { runNoopFederation } from '../lib/federation';
import { parameterCount, syntheticModel } from '../lib/model';
import { startEchoRig } from '../lib/socket-echo';
import { figure, gc, interleaved } from '../lib/stats';

const CLIENTS = 100;
const ROUNDS = 4; // round 1 (connections, first allocations) is a warm-up
const ECHO = { warmup: 1, reps: 3 };

/** CPU time (user + system) this process has used, in ms. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

export const run: Benchmark = async () => {
  const model = syntheticModel(1000, 1000);
  const params = parameterCount(model.weights);
  const payload = encodeTensors(model.weights).payload;

  const rig = await startEchoRig(CLIENTS, payload.byteLength);
  let echo: number[];
  const echoCpu: number[] = [];
  try {
    echo = (
      await interleaved(
        {
          echo: async () => {
            const before = cpuMs();
            await rig.exchange(payload);
            echoCpu.push(cpuMs() - before);
          },
        },
        ECHO,
      )
    ).echo;
  } finally {
    await rig.close();
  }
  gc();

  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const roundCpu: number[] = [];
  let lastCpu = cpuMs();
  const { reports, eventTimes } = await runNoopFederation({
    model,
    rounds: ROUNDS,
    clients: CLIENTS,
    onRound: () => {
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      const now = cpuMs();
      roundCpu.push(now - lastCpu);
      lastCpu = now;
    },
  });
  const measured = reports.slice(1);
  const duration = figure(
    `Cohort round, RoundReport.durationMs (rounds 2–${ROUNDS})`,
    measured.map((r) => r.durationMs),
    'ms',
  );
  const wall = figure(
    "Cohort round, wall time between 'round' events",
    eventTimes.slice(1).map((t, i) => t - eventTimes[i]!),
    'ms',
  );
  const baseline = figure(
    `baseline: socket.io broadcast + echo of ${(payload.byteLength / 1e6).toFixed(1)} MB to ${CLIENTS} clients`,
    echo,
    'ms',
    true,
  );
  const cpu = figure("Cohort round, process CPU time between 'round' events", roundCpu.slice(1), 'ms');
  const baselineCpu = figure('baseline: process CPU time of one echo', echoCpu.slice(ECHO.warmup), 'ms', true);
  const mean = measured.reduce((n, r) => n + r.durationMs, 0) / measured.length;
  return {
    figures: [duration, wall, baseline, cpu, baselineCpu],
    ratios: [
      {
        label: 'Cohort round (durationMs) ÷ socket.io echo',
        value: duration.value / baseline.value,
        meaning: '1 = the round engine adds nothing to moving the bytes',
      },
      {
        label: 'Cohort round (between events) ÷ socket.io echo',
        value: wall.value / baseline.value,
        meaning: 'includes round:end and the next round’s set-up',
      },
      {
        label: 'Cohort round CPU time ÷ socket.io echo CPU time',
        value: cpu.value / baselineCpu.value,
        meaning: 'the same work measured in CPU time, which other load on the machine moves less',
      },
    ],
    notes: [
      `${CLIENTS} clients × ${params} params, ${ROUNDS} rounds (first discarded), mean durationMs ${mean.toFixed(0)} ms; echo ${ECHO.warmup} warm-up + ${ECHO.reps} reps`,
      `RSS ${(rssBefore / 2 ** 20).toFixed(0)} MiB before the run, ${(rssPeak / 2 ** 20).toFixed(0)} MiB highest seen at a round's end`,
    ],
  };
};
