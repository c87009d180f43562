/**
 * Round overhead with the clients in another process: the figures are this process's, the
 * server's, as for a coordinator whose clients are elsewhere. A helper process runs 100 bare
 * echoing socket.io clients for the baseline, then 100 Cohort clients with the no-op trainer; its
 * CPU time is reported too. Both processes share the machine's 2 cores, so wall time is the whole
 * machine's. See lib/round-spans.ts for what is measured.
 */
import { COORDINATOR_HEAP_GROWTH_PERCENT, FedAvg, setHeapGrowth, type Strategy } from '@cohort/coordinator';
import { DiscardingFedAvg } from '../lib/discarding-fed-avg';
import type { Benchmark, Ratio } from '../lib/result';
import { RpcProcess } from '../lib/rpc';
import {
  CLIENTS,
  configuration,
  MEASURED,
  compare,
  echoDrift,
  echoExchanges,
  federationRounds,
  roundModel,
  type Span,
} from '../lib/round-spans';
import { startEchoServer } from '../lib/socket-echo';
import { figure, gc, mean } from '../lib/stats';

/** The helper process starts cold: its clients' socket.io code is optimised during these. */
const ECHO_WARMUP = 4;

/** The echo's exchanges with the helper's bare clients on a fresh server, and the helper's CPU time per exchange (mean). */
async function echoPhase(helper: RpcProcess, payload: Uint8Array): Promise<{ spans: Span[]; helperMs: number }> {
  const server = await startEchoServer(payload.byteLength);
  try {
    await helper.call('echo', { url: server.url, count: CLIENTS });
    await server.connected(CLIENTS);
    for (let i = 0; i < ECHO_WARMUP; i++) await server.exchange(payload);
    const before = await helper.call<number>('cpu');
    const spans = await echoExchanges((p) => server.exchange(p), payload, 0);
    return { spans, helperMs: ((await helper.call<number>('cpu')) - before) / MEASURED };
  } finally {
    await helper.call('shutdown');
    await server.close();
  }
}

/** V8's heap growth (setHeapGrowth) while the echo and while the federation runs; 0: V8's own estimate. */
interface HeapGrowth {
  echo: number;
  federation: number;
}

const V8_DEFAULT: HeapGrowth = { echo: 0, federation: 0 };
const TUNED = COORDINATOR_HEAP_GROWTH_PERCENT;

/** With the coordinator's default FedAvg, which adds updates in client-id order, and V8's defaults. */
export const run: Benchmark = () => measure(V8_DEFAULT);

/** With FedAvg adding updates as they arrive: at most 7 wait, where client-id order keeps those that came before their turn. */
export const runInArrivalOrder: Benchmark = () => measure(V8_DEFAULT, new FedAvg({ aggregationOrder: 'arrival' }));

/** Arrival order with the heap growth `cohort coordinator` sets on both sides: whether the wait for a turn is the gap. */
export const runInArrivalOrderTunedHeap: Benchmark = () =>
  measure({ echo: TUNED, federation: TUNED }, new FedAvg({ aggregationOrder: 'arrival' }));

/** The echo and the federation both with the heap growth `cohort coordinator` sets: the same V8 on both sides. */
export const runTunedHeap: Benchmark = () => measure({ echo: TUNED, federation: TUNED });

/**
 * Like runTunedHeap, with a FedAvg that adds nothing (DiscardingFedAvg): the round without the
 * aggregate's data path, which tells how much of runTunedHeap's overhead that path is.
 */
export const runWithoutAggregation: Benchmark = () => measure({ echo: TUNED, federation: TUNED }, new DiscardingFedAvg());

/** The federation with the heap growth `cohort coordinator` sets, the echo with V8's defaults: as each is run out of the box. */
export const runAsShipped: Benchmark = () => measure({ echo: 0, federation: TUNED });

async function measure(growth: HeapGrowth, strategy?: Strategy): ReturnType<Benchmark> {
  const { model, payload } = roundModel();
  const helper = new RpcProcess(new URL('./overhead-client-host.ts', import.meta.url));
  try {
    // The echo is measured before and after the federation, so that load elsewhere on the machine that
    // changes while the bench runs moves both sides of a ratio alike.
    setHeapGrowth(growth.echo);
    gc();
    const before = await echoPhase(helper, payload);
    setHeapGrowth(growth.federation);
    gc();
    // The helper's CPU time is read (not awaited) when the warm-up rounds end and when the last one ends.
    const readings: Promise<number>[] = [];
    const federation = await federationRounds(model, {
      connectClients: (url) => helper.call('cohort', { url, count: CLIENTS }),
      onMeasured: () => readings.push(helper.call<number>('cpu')),
      ...(strategy ? { strategy } : {}),
    });
    const [first, last] = await Promise.all(readings);
    const roundHelper = (last! - first!) / MEASURED;
    // The helper's Cohort clients would otherwise go on dialling the closed coordinator.
    await helper.call('shutdown');
    setHeapGrowth(growth.echo);
    gc();
    const after = await echoPhase(helper, payload);
    const echo = [...before.spans, ...after.spans];
    const echoHelper = (before.helperMs + after.helperMs) / 2;
    const { figures, ratios } = compare(payload.byteLength, echo, federation);
    const both: Ratio = {
      label: 'both processes’ CPU time per round ÷ per echo',
      value: (mean(federation.rounds.map((r) => r.cpuMs)) + roundHelper) / (mean(echo.map((e) => e.cpuMs)) + echoHelper),
      meaning: 'the whole federation’s work against the whole echo’s (means)',
    };
    const clients: Ratio = {
      label: "clients' process CPU time per round ÷ per echo",
      value: roundHelper / echoHelper,
      meaning: `Cohort's client library against bare socket.io clients (${roundHelper.toFixed(0)} against ${echoHelper.toFixed(0)} ms, means)`,
    };
    const rss =
      federation.rssPeak === undefined
        ? []
        : [figure('peak RSS of this process during the measured rounds (VmHWM)', [federation.rssPeak / 2 ** 20], 'MiB')];
    return {
      figures: [...figures, ...rss],
      ratios: [...ratios, clients, both],
      notes: [
        `${configuration(model, ECHO_WARMUP)} (the helper starts cold)`,
        `V8 heap growth (setHeapGrowth; 0: V8's own estimate) in this process: ${growth.echo} % during the echo, ${growth.federation} % during the federation; the helper's: V8's own`,
        echoDrift(before.spans, after.spans),
        `warm-up rounds: ${federation.warmup}`,
        federation.frames,
        ...(federation.rssPeak === undefined ? ['peak RSS: the kernel keeps no resettable high-water mark here'] : []),
        strategy instanceof DiscardingFedAvg
          ? 'no aggregation: every update is acknowledged as it arrives and dropped, and each round commits the model it started from'
          : `FedAvg adds updates in ${strategy instanceof FedAvg ? strategy.aggregationOrder : 'client-id'} order`,
      ],
    };
  } finally {
    await helper.close();
  }
}
