/**
 * Round overhead: 100 real clients × ~1M params with the no-op trainer, time per committed round
 * (RoundReport.durationMs and wall time between 'round' events), against a bare socket.io echo of
 * the same bytes to the same number of connections. Everything runs in this one process, so both
 * sides of every connection share its 2 cores, for subject and baseline alike. The process's CPU
 * time per round and per echo is reported too: on a machine others share, it moves less than wall
 * time does. On Linux, that CPU time is split between the main thread (the program: sockets, codec,
 * validation, aggregation, commit) and the others (mostly V8's concurrent marking, whose cost grows
 * with the live heap and with how often the sockets' buffers force a full collection; background
 * compilation too).
 *
 * Both sides are measured warm: the echo after two exchanges, the federation after two rounds (the
 * first opens 100 connections; in the second, the round's code is still being optimised, and it
 * costs about a fifth more CPU than the rounds after it). The warm-up rounds are printed in the notes.
 */
import { encodeTensors } from '@cohort/protocol';
import type { Benchmark, Figure, Ratio } from '../lib/result';
import { runNoopFederation } from '../lib/federation';
import { parameterCount, syntheticModel } from '../lib/model';
import { startEchoRig } from '../lib/socket-echo';
import { figure, gc } from '../lib/stats';
import { threadCpuBetween, threadTimes, type ThreadCpu } from '../lib/thread-cpu';

const CLIENTS = 100;
const WARMUP_ROUNDS = 2;
const ROUNDS = WARMUP_ROUNDS + 5;
const ECHO = { warmup: 2, reps: 5 };

/** CPU time (user + system) this process has used, in ms. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Wall, process CPU and per-thread CPU of one measured span. */
interface Span {
  wallMs: number;
  cpuMs: number;
  threads: ThreadCpu | undefined;
}

function startSpan(): () => Span {
  const [wall, cpu, threads] = [performance.now(), cpuMs(), threadTimes()];
  return () => {
    const after = threadTimes();
    return { wallMs: performance.now() - wall, cpuMs: cpuMs() - cpu, threads: threads && after && threadCpuBetween(threads, after) };
  };
}

export const run: Benchmark = async () => {
  const model = syntheticModel(1000, 1000);
  const params = parameterCount(model.weights);
  const payload = encodeTensors(model.weights).payload;

  const rig = await startEchoRig(CLIENTS, payload.byteLength);
  const echo: Span[] = [];
  try {
    for (let i = 0; i < ECHO.warmup + ECHO.reps; i++) {
      const end = startSpan();
      await rig.exchange(payload);
      if (i >= ECHO.warmup) echo.push(end());
    }
  } finally {
    await rig.close();
  }
  gc();

  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const rounds: Span[] = [];
  let end = startSpan();
  const { reports } = await runNoopFederation({
    model,
    rounds: ROUNDS,
    clients: CLIENTS,
    onRound: () => {
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      rounds.push(end());
      end = startSpan();
    },
  });
  const measured = rounds.slice(WARMUP_ROUNDS);
  const warm = `rounds ${WARMUP_ROUNDS + 1}–${ROUNDS}`;
  const duration = figure(
    `Cohort round, RoundReport.durationMs (${warm})`,
    reports.slice(WARMUP_ROUNDS).map((r) => r.durationMs),
    'ms',
  );
  const wall = figure(
    "Cohort round, wall time between 'round' events",
    measured.map((s) => s.wallMs),
    'ms',
  );
  const baseline = figure(
    `baseline: socket.io broadcast + echo of ${(payload.byteLength / 1e6).toFixed(1)} MB to ${CLIENTS} clients`,
    echo.map((s) => s.wallMs),
    'ms',
    true,
  );
  const cpu = figure(
    "Cohort round, process CPU time between 'round' events",
    measured.map((s) => s.cpuMs),
    'ms',
  );
  const baselineCpu = figure(
    'baseline: process CPU time of one echo',
    echo.map((s) => s.cpuMs),
    'ms',
    true,
  );
  const figures: Figure[] = [duration, wall, baseline, cpu, baselineCpu];
  const ratios: Ratio[] = [
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
  ];
  const split = (spans: Span[], part: keyof ThreadCpu) => spans.flatMap((s) => (s.threads ? [s.threads[part]] : []));
  if (measured.every((s) => s.threads) && echo.every((s) => s.threads)) {
    const main = figure("Cohort round, main thread's CPU time", split(measured, 'main'), 'ms');
    const others = figure("Cohort round, other threads' CPU time (V8's collector and compiler)", split(measured, 'others'), 'ms');
    const echoMain = figure("baseline: main thread's CPU time of one echo", split(echo, 'main'), 'ms', true);
    const echoOthers = figure("baseline: other threads' CPU time of one echo", split(echo, 'others'), 'ms', true);
    figures.push(main, echoMain, others, echoOthers);
    ratios.push(
      {
        label: "main thread's CPU time ÷ the echo's",
        value: main.value / echoMain.value,
        meaning: 'the round engine, codec, client library and database against bare socket.io',
      },
      {
        label: "other threads' CPU time ÷ the echo's",
        value: others.value / echoOthers.value,
        meaning: 'concurrent marking of a larger heap, as often as the sockets’ buffers force it',
      },
    );
  }
  const warmup = rounds
    .slice(0, WARMUP_ROUNDS)
    .map((s, i) => `round ${i + 1}: durationMs ${reports[i]!.durationMs.toFixed(0)}, CPU ${s.cpuMs.toFixed(0)} ms`);
  return {
    figures,
    ratios,
    notes: [
      `${CLIENTS} clients × ${params} params, ${ROUNDS} rounds, the first ${WARMUP_ROUNDS} not measured (${warmup.join('; ')}); echo ${ECHO.warmup} warm-up + ${ECHO.reps} reps`,
      `RSS ${(rssBefore / 2 ** 20).toFixed(0)} MiB before the run, ${(rssPeak / 2 ** 20).toFixed(0)} MiB highest seen at a round's end`,
    ],
  };
};
