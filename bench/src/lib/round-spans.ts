/**
 * The measurements of the round-overhead benchmarks: a bare socket.io echo's exchanges and a
 * no-op federation's rounds, each as spans of wall time, process CPU time and per-thread CPU time
 * (Linux), and the figures and ratios that compare them.
 *
 * The federation's round is spanned from one 'round' event to the next, which, like an echo,
 * covers everything a round does: sampling, the broadcast, the answers, aggregation, the commit,
 * round:end. RoundReport.durationMs is reported too; it runs from sampling to the aggregate and
 * leaves out the commit and round:end.
 */
import type { Strategy } from '@cohort/coordinator';
import { encodeTensors } from '@cohort/protocol';
import type { Figure, Ratio } from './result';
import { runNoopFederation } from './federation';
import { parameterCount, syntheticModel } from './model';
import { peakRssBytes, resetPeakRss } from './memory';
import { figure, median } from './stats';
import { processCpuMs, threadCpuBetween, threadTimes, type ThreadCpu } from './thread-cpu';

export const CLIENTS = 100;
/** Rounds not measured: the first opens 100 connections; in the second the round's code is still being optimised (about a fifth more CPU). */
export const WARMUP_ROUNDS = 2;
export const MEASURED = 7;
export const ROUNDS = WARMUP_ROUNDS + MEASURED;

type Model = ReturnType<typeof syntheticModel>;

/** The model of every round-overhead measurement (~1M params), and its encoded weights: the echo's payload. */
export function roundModel(): { model: Model; payload: Uint8Array } {
  const model = syntheticModel(1000, 1000);
  return { model, payload: encodeTensors(model.weights).payload };
}

/** Wall, process CPU and per-thread CPU of one measured span. */
export interface Span {
  wallMs: number;
  cpuMs: number;
  threads: ThreadCpu | undefined;
}

export function startSpan(): () => Span {
  const [wall, cpu, threads] = [performance.now(), processCpuMs(), threadTimes()];
  return () => {
    const after = threadTimes();
    return {
      wallMs: performance.now() - wall,
      cpuMs: processCpuMs() - cpu,
      threads: threads && after && threadCpuBetween(threads, after),
    };
  };
}

/** `MEASURED` exchanges after `warmup` unmeasured ones. */
export async function echoExchanges(
  exchange: (payload: Uint8Array) => Promise<void>,
  payload: Uint8Array,
  warmup: number,
): Promise<Span[]> {
  const spans: Span[] = [];
  for (let i = 0; i < warmup + MEASURED; i++) {
    const end = startSpan();
    await exchange(payload);
    if (i >= warmup) spans.push(end());
  }
  return spans;
}

export interface FederationSpans {
  /** The measured rounds, between 'round' events. */
  rounds: Span[];
  /** RoundReport.durationMs of the measured rounds. */
  durations: number[];
  /** The warm-up rounds, for the notes. */
  warmup: string;
  /** Peak RSS of this process during the measured rounds (the kernel's high-water mark), when the kernel tells it. */
  rssPeak: number | undefined;
  /** How many of the updates arrived in reused memory, for the notes. */
  frames: string;
}

export interface FederationRoundsOptions {
  /** Connects the clients from elsewhere (round-overhead-split.ts). @default clients in this process */
  connectClients?: (url: string) => Promise<void>;
  /** Called when the warm-up rounds end and when the last round ends. */
  onMeasured?: () => void;
  /** @default the coordinator's default FedAvg */
  strategy?: Strategy;
}

/** The federation's rounds. */
export async function federationRounds(model: Model, options: FederationRoundsOptions = {}): Promise<FederationSpans> {
  const { connectClients, onMeasured, strategy } = options;
  let rssPeak: number | undefined;
  let peakReset = false;
  const rounds: Span[] = [];
  let end = startSpan();
  const { reports, frames } = await runNoopFederation({
    model,
    rounds: ROUNDS,
    clients: CLIENTS,
    ...(connectClients ? { connectClients } : {}),
    ...(strategy ? { strategy } : {}),
    onRound: () => {
      rounds.push(end());
      if (rounds.length === WARMUP_ROUNDS || rounds.length === ROUNDS) onMeasured?.();
      if (rounds.length === WARMUP_ROUNDS) peakReset = resetPeakRss();
      if (rounds.length === ROUNDS && peakReset) rssPeak = peakRssBytes();
      end = startSpan();
    },
  });
  const warmup = rounds
    .slice(0, WARMUP_ROUNDS)
    .map((s, i) => `round ${i + 1}: between events ${s.wallMs.toFixed(0)} ms, CPU ${s.cpuMs.toFixed(0)} ms`)
    .join('; ');
  return {
    rounds: rounds.slice(WARMUP_ROUNDS),
    durations: reports.slice(WARMUP_ROUNDS).map((r) => r.durationMs),
    warmup,
    rssPeak,
    frames: `updates received into reused memory: ${frames.reused} of ${frames.reused + frames.allocated} (transport/frame-pool.ts)`,
  };
}

/** Figures and ratios comparing the federation's rounds with the echo's exchanges. */
export function compare(bytes: number, echo: Span[], federation: FederationSpans): { figures: Figure[]; ratios: Ratio[] } {
  const { rounds } = federation;
  const wall = figure(
    `Cohort round, wall time between 'round' events (rounds ${WARMUP_ROUNDS + 1}–${ROUNDS})`,
    rounds.map((r) => r.wallMs),
    'ms',
  );
  const duration = figure(
    'Cohort round, RoundReport.durationMs (sampling to aggregate; no commit, no round:end)',
    federation.durations,
    'ms',
  );
  const baseline = figure(
    `baseline: socket.io broadcast + echo of ${(bytes / 1e6).toFixed(1)} MB to ${CLIENTS} clients`,
    echo.map((e) => e.wallMs),
    'ms',
    true,
  );
  const cpu = figure(
    "Cohort round, process CPU time between 'round' events",
    rounds.map((r) => r.cpuMs),
    'ms',
  );
  const baselineCpu = figure(
    'baseline: process CPU time of one echo',
    echo.map((e) => e.cpuMs),
    'ms',
    true,
  );
  const figures: Figure[] = [wall, duration, baseline, cpu, baselineCpu];
  const ratios: Ratio[] = [
    {
      label: 'Cohort round (between events) ÷ socket.io echo',
      value: wall.value / baseline.value,
      meaning: 'the whole round against the whole exchange; 1 = the round engine adds nothing to moving the bytes',
    },
    {
      label: 'Cohort round (durationMs) ÷ socket.io echo',
      value: duration.value / baseline.value,
      meaning: 'the round without its commit and round:end',
    },
    {
      label: 'Cohort round CPU time ÷ socket.io echo CPU time',
      value: cpu.value / baselineCpu.value,
      meaning: 'the same work measured in CPU time, which other load on the machine moves less',
    },
  ];
  const split = (spans: Span[], part: keyof ThreadCpu) => spans.flatMap((x) => (x.threads ? [x.threads[part]] : []));
  if (rounds.every((r) => r.threads) && echo.every((e) => e.threads)) {
    const main = figure("Cohort round, main thread's CPU time", split(rounds, 'main'), 'ms');
    const others = figure("Cohort round, other threads' CPU time (V8's collector and compiler)", split(rounds, 'others'), 'ms');
    const echoMain = figure("baseline: main thread's CPU time of one echo", split(echo, 'main'), 'ms', true);
    const echoOthers = figure("baseline: other threads' CPU time of one echo", split(echo, 'others'), 'ms', true);
    figures.push(main, echoMain, others, echoOthers);
    ratios.push(
      {
        label: "main thread's CPU time ÷ the echo's",
        value: main.value / echoMain.value,
        meaning: 'the program itself: round engine, codec, validation, aggregation, database (and clients, when they share the process)',
      },
      {
        label: "other threads' CPU time ÷ the echo's",
        value: others.value / echoOthers.value,
        meaning: 'mostly concurrent marking: a larger heap, as often as the sockets’ buffers force a full collection',
      },
    );
  }
  return { figures, ratios };
}

/** The echo's median wall time measured before the federation and after it: how far the machine drifted meanwhile. */
export function echoDrift(before: readonly Span[], after: readonly Span[]): string {
  const [b, a] = [median(before.map((s) => s.wallMs)), median(after.map((s) => s.wallMs))];
  return `echo before the federation ${b.toFixed(0)} ms, after it ${a.toFixed(0)} ms (median wall; the baseline is all ${before.length + after.length} exchanges)`;
}

/** The configuration every figure is for, for the notes. */
export function configuration(model: Model, echoWarmup: number): string {
  return (
    `${CLIENTS} clients × ${parameterCount(model.weights).toLocaleString('en')} params, no-op training, open mode with updates neither signed nor sealed (a client seals by ` +
    'default when the coordinator has a key; edge-trust measures sealing), no evaluation rounds; ' +
    `${ROUNDS} rounds, and ${echoWarmup + MEASURED} echo exchanges before them and as many after, of which the first ${WARMUP_ROUNDS} rounds and ${echoWarmup} exchanges of each echo are not measured`
  );
}
