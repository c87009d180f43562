/**
 * Round overhead: 100 real clients × ~1M params with the no-op trainer, time per committed round
 * (RoundReport.durationMs and wall time between 'round' events), against a bare socket.io echo of
 * the same bytes to the same number of connections. Two settings, subject and baseline alike:
 *
 * - **One process:** server and clients share this process and its 2 cores, as in a simulation.
 * - **Coordinator alone:** the clients run in a helper process; figures are this process's, the
 *   server's, as for a coordinator whose clients are elsewhere (the helper's CPU is reported too).
 *
 * The process's CPU time per round and per echo is reported beside wall time: on a machine others
 * share, it moves less. On Linux, it is split between the main thread (the program: sockets, codec,
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
import { RpcProcess } from '../lib/rpc';
import { startEchoRig, startEchoServer } from '../lib/socket-echo';
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

/** What one setting measured: the echo's exchanges and the federation's rounds, warm-ups apart. */
interface Setting {
  echo: Span[];
  rounds: Span[];
  durations: number[];
  /** The warm-up rounds, for the notes. */
  warmup: string;
  /** CPU time of the clients' helper process per echo and per round, when the clients ran there. */
  helperCpu?: { echo: number; round: number };
  /** Highest RSS of this process seen at a round's end. */
  rssPeak: number;
}

/** The measured exchanges, after `warmup` unmeasured ones. */
async function echoExchanges(exchange: (payload: Uint8Array) => Promise<void>, payload: Uint8Array, warmup = ECHO.warmup): Promise<Span[]> {
  const spans: Span[] = [];
  for (let i = 0; i < warmup + ECHO.reps; i++) {
    const end = startSpan();
    await exchange(payload);
    if (i >= warmup) spans.push(end());
  }
  return spans;
}

/** The federation's rounds, spanned from one 'round' event to the next. */
async function federationRounds(
  model: ReturnType<typeof syntheticModel>,
  connectClients?: (url: string) => Promise<void>,
  onWarm?: () => void,
): Promise<Omit<Setting, 'echo' | 'helperCpu'>> {
  let rssPeak = process.memoryUsage().rss;
  const rounds: Span[] = [];
  let end = startSpan();
  const { reports } = await runNoopFederation({
    model,
    rounds: ROUNDS,
    clients: CLIENTS,
    ...(connectClients ? { connectClients } : {}),
    onRound: () => {
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      rounds.push(end());
      if (rounds.length === WARMUP_ROUNDS || rounds.length === ROUNDS) onWarm?.();
      end = startSpan();
    },
  });
  const warmup = rounds
    .slice(0, WARMUP_ROUNDS)
    .map((s, i) => `round ${i + 1}: durationMs ${reports[i]!.durationMs.toFixed(0)}, CPU ${s.cpuMs.toFixed(0)} ms`)
    .join('; ');
  return {
    rounds: rounds.slice(WARMUP_ROUNDS),
    durations: reports.slice(WARMUP_ROUNDS).map((r) => r.durationMs),
    warmup,
    rssPeak,
  };
}

async function oneProcess(model: ReturnType<typeof syntheticModel>, payload: Uint8Array): Promise<Setting> {
  const rig = await startEchoRig(CLIENTS, payload.byteLength);
  let echo: Span[];
  try {
    echo = await echoExchanges((p) => rig.exchange(p), payload);
  } finally {
    await rig.close();
  }
  gc();
  return { echo, ...(await federationRounds(model)) };
}

async function coordinatorAlone(model: ReturnType<typeof syntheticModel>, payload: Uint8Array): Promise<Setting> {
  const helper = new RpcProcess(new URL('./overhead-client-host.ts', import.meta.url));
  try {
    const server = await startEchoServer(payload.byteLength);
    let echo: Span[];
    let echoHelperCpu: number;
    try {
      await helper.call('echo', { url: server.url, count: CLIENTS });
      await server.connected(CLIENTS);
      for (let i = 0; i < ECHO.warmup; i++) await server.exchange(payload);
      const before = await helper.call<number>('cpu');
      echo = await echoExchanges((p) => server.exchange(p), payload, 0);
      echoHelperCpu = ((await helper.call<number>('cpu')) - before) / ECHO.reps;
    } finally {
      await helper.call('shutdown');
      await server.close();
    }
    gc();
    // The helper's CPU time is read when the warm-up rounds end and when the last round ends.
    const readings: Promise<number>[] = [];
    const federation = await federationRounds(
      model,
      (url) => helper.call('cohort', { url, count: CLIENTS }),
      () => readings.push(helper.call<number>('cpu')),
    );
    const [first, last] = await Promise.all(readings);
    return { echo, ...federation, helperCpu: { echo: echoHelperCpu, round: (last! - first!) / federation.rounds.length } };
  } finally {
    await helper.close();
  }
}

/** The figures and ratios of one setting, each label prefixed with the setting's name. */
function report(name: string, bytes: number, s: Setting): { figures: Figure[]; ratios: Ratio[] } {
  const at = (label: string) => `${name}: ${label}`;
  const duration = figure(at(`Cohort round, RoundReport.durationMs (rounds ${WARMUP_ROUNDS + 1}–${ROUNDS})`), s.durations, 'ms');
  const wall = figure(
    at("Cohort round, wall time between 'round' events"),
    s.rounds.map((r) => r.wallMs),
    'ms',
  );
  const baseline = figure(
    at(`baseline: socket.io broadcast + echo of ${(bytes / 1e6).toFixed(1)} MB to ${CLIENTS} clients`),
    s.echo.map((e) => e.wallMs),
    'ms',
    true,
  );
  const cpu = figure(
    at("Cohort round, process CPU time between 'round' events"),
    s.rounds.map((r) => r.cpuMs),
    'ms',
  );
  const baselineCpu = figure(
    at('baseline: process CPU time of one echo'),
    s.echo.map((e) => e.cpuMs),
    'ms',
    true,
  );
  const figures: Figure[] = [duration, wall, baseline, cpu, baselineCpu];
  const ratios: Ratio[] = [
    {
      label: at('Cohort round (durationMs) ÷ socket.io echo'),
      value: duration.value / baseline.value,
      meaning: '1 = the round engine adds nothing to moving the bytes',
    },
    {
      label: at('Cohort round (between events) ÷ socket.io echo'),
      value: wall.value / baseline.value,
      meaning: 'includes the commit, round:end and the next round’s set-up',
    },
    {
      label: at('Cohort round CPU time ÷ socket.io echo CPU time'),
      value: cpu.value / baselineCpu.value,
      meaning: 'the same work measured in CPU time, which other load on the machine moves less',
    },
  ];
  const split = (spans: Span[], part: keyof ThreadCpu) => spans.flatMap((x) => (x.threads ? [x.threads[part]] : []));
  if (s.rounds.every((r) => r.threads) && s.echo.every((e) => e.threads)) {
    const main = figure(at("Cohort round, main thread's CPU time"), split(s.rounds, 'main'), 'ms');
    const others = figure(at("Cohort round, other threads' CPU time (V8's collector and compiler)"), split(s.rounds, 'others'), 'ms');
    const echoMain = figure(at("baseline: main thread's CPU time of one echo"), split(s.echo, 'main'), 'ms', true);
    const echoOthers = figure(at("baseline: other threads' CPU time of one echo"), split(s.echo, 'others'), 'ms', true);
    figures.push(main, echoMain, others, echoOthers);
    ratios.push(
      {
        label: at("main thread's CPU time ÷ the echo's"),
        value: main.value / echoMain.value,
        meaning: 'the round engine, codec, database (and in one process, the client library) against bare socket.io',
      },
      {
        label: at("other threads' CPU time ÷ the echo's"),
        value: others.value / echoOthers.value,
        meaning: 'concurrent marking of a larger heap, as often as the sockets’ buffers force it',
      },
    );
  }
  if (s.helperCpu) {
    const { round, echo } = s.helperCpu;
    ratios.push(
      {
        label: at("clients' process CPU time per round ÷ per echo"),
        value: round / echo,
        meaning: `Cohort's client library against bare socket.io clients (${round.toFixed(0)} against ${echo.toFixed(0)} ms)`,
      },
      {
        label: at('both processes’ CPU time per round ÷ per echo'),
        value: (cpu.value + round) / (baselineCpu.value + echo),
        meaning: 'the whole federation’s work against the whole echo’s',
      },
    );
  }
  return { figures, ratios };
}

export const run: Benchmark = async () => {
  const model = syntheticModel(1000, 1000);
  const params = parameterCount(model.weights);
  const payload = encodeTensors(model.weights).payload;

  const together = await oneProcess(model, payload);
  gc();
  const apart = await coordinatorAlone(model, payload);
  const parts = [report('one process', payload.byteLength, together), report('coordinator alone', payload.byteLength, apart)];
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
  return {
    figures: parts.flatMap((p) => p.figures),
    ratios: parts.flatMap((p) => p.ratios),
    notes: [
      `${CLIENTS} clients × ${params} params, ${ROUNDS} rounds, the first ${WARMUP_ROUNDS} not measured; echo ${ECHO.warmup} warm-up + ${ECHO.reps} reps`,
      `one process, warm-up rounds: ${together.warmup}; coordinator alone: ${apart.warmup}`,
      `highest RSS seen at a round's end: one process ${mib(together.rssPeak)}, coordinator alone ${mib(apart.rssPeak)} (this process only)`,
    ],
  };
};
