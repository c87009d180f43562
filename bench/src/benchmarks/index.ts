/** The benchmarks `npm run bench` runs, in order. Each module exports `run: Benchmark`. */
export interface BenchmarkEntry {
  id: string;
  title: string;
  module: URL;
  /** The module's export that runs it. @default 'run' */
  exportName?: string;
  /** The benchmark process is killed past this, in milliseconds. */
  timeoutMs: number;
}

const at = (file: string) => new URL(`./${file}`, import.meta.url);

export const BENCHMARKS: readonly BenchmarkEntry[] = [
  { id: 'fedavg', title: 'FedAvg aggregation throughput', module: at('fedavg.ts'), timeoutMs: 60_000 },
  { id: 'wire-bytes', title: 'Bytes on the wire per update', module: at('wire-bytes.ts'), timeoutMs: 60_000 },
  {
    id: 'compression',
    title: 'q8 update compression: bytes, codec throughput, accuracy on the default job',
    module: at('compression.ts'),
    timeoutMs: 600_000,
  },
  {
    id: 'round-overhead',
    title: 'Round overhead, 100 clients × 1M params, all in one process, V8’s own heap growth',
    module: at('round-overhead.ts'),
    timeoutMs: 240_000,
  },
  {
    id: 'round-overhead-split',
    title: 'Round overhead, 100 clients × 1M params, the clients in another process, V8’s own heap growth',
    module: at('round-overhead-split.ts'),
    timeoutMs: 240_000,
  },
  {
    id: 'round-overhead-split-tuned-heap',
    title: 'Round overhead, the clients in another process, echo and coordinator with the heap growth cohort coordinator sets',
    module: at('round-overhead-split.ts'),
    exportName: 'runTunedHeap',
    timeoutMs: 240_000,
  },
  {
    id: 'round-overhead-split-no-aggregation',
    title:
      'Round overhead, the clients in another process, heap growth as in tuned-heap, a FedAvg that adds nothing: the round without the aggregate’s data path',
    module: at('round-overhead-split.ts'),
    exportName: 'runWithoutAggregation',
    timeoutMs: 240_000,
  },
  {
    id: 'round-overhead-split-as-shipped',
    title:
      'Round overhead, the clients in another process, the coordinator with the heap growth cohort coordinator sets, the echo with V8’s',
    module: at('round-overhead-split.ts'),
    exportName: 'runAsShipped',
    timeoutMs: 240_000,
  },
  {
    id: 'round-overhead-split-arrival-order',
    title:
      "Round overhead, the clients in another process, V8’s own heap growth, FedAvg adding updates in arrival order (aggregationOrder 'arrival')",
    module: at('round-overhead-split.ts'),
    exportName: 'runInArrivalOrder',
    timeoutMs: 240_000,
  },
  {
    id: 'round-overhead-split-arrival-order-tuned-heap',
    title: 'Round overhead, the clients in another process, heap growth as in tuned-heap, FedAvg adding updates in arrival order',
    module: at('round-overhead-split.ts'),
    exportName: 'runInArrivalOrderTunedHeap',
    timeoutMs: 240_000,
  },
  { id: 'training', title: 'Local training examples/s per backend', module: at('training.ts'), timeoutMs: 240_000 },
  {
    id: 'simulate',
    title: 'The default job and a 16-client CSV job: wall time, accuracy, peak RSS',
    module: at('simulate.ts'),
    timeoutMs: 1_200_000,
  },
  { id: 'worker-pool', title: 'Worker-pool speed-up of a simulated round', module: at('worker-pool.ts'), timeoutMs: 200_000 },
  { id: 'rss', title: 'RSS with 1,000 registered clients', module: at('rss.ts'), timeoutMs: 120_000 },
  { id: 'privacy', title: 'Accountants and Gaussian noise', module: at('privacy.ts'), timeoutMs: 300_000 },
  { id: 'cli-startup', title: 'Start-up of the cohort command', module: at('cli-startup.ts'), timeoutMs: 180_000 },
  { id: 'dp-overhead', title: 'Overhead of DP on a simulated round', module: at('dp-overhead.ts'), timeoutMs: 200_000 },
  {
    id: 'edge-trust',
    title: 'Cost of device identities: handshake, signatures, sealing, 1,000 enrolled clients',
    module: at('edge-trust.ts'),
    timeoutMs: 900_000,
  },
  { id: 'canaries', title: 'Overhead of the empirical audit (100 canaries, 100 clients)', module: at('canaries.ts'), timeoutMs: 400_000 },
  {
    id: 'secure-aggregation',
    title: 'SecAgg+ client and server time and bytes, n = 100 and 500, m = 100k',
    module: at('secure-aggregation.ts'),
    timeoutMs: 900_000,
  },
  {
    id: 'masking',
    title: 'PII masking on a 12-locale benchmark: precision, recall, notes/s',
    module: at('masking.ts'),
    timeoutMs: 240_000,
  },
];
