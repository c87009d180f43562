import type { Failure } from './strategy/strategy';

/**
 * Collects the answers of one round's selected clients: each selected client ends with exactly one
 * result or one failure. Settles when every client has answered or the timeout passes; clients
 * still pending then fail with kind 'timeout'.
 */
export class RoundCollector<T> {
  readonly results = new Map<string, T>();
  readonly failures = new Map<string, Failure>();
  readonly done: Promise<void>;
  private readonly pending: Set<string>;
  private settle!: () => void;
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly task: 'fit' | 'evaluate',
    readonly round: number,
    readonly selected: readonly string[],
    timeoutMs: number,
    /** Told of each failure `fail` records (a streaming aggregate moves past the client); not of those `refuse` records. */
    private readonly onFailure?: (failure: Failure) => void,
  ) {
    this.pending = new Set(selected);
    this.done = new Promise((resolve) => (this.settle = resolve));
    this.timer = setTimeout(() => this.expire(timeoutMs), timeoutMs);
    this.checkDone();
  }

  isPending(clientId: string): boolean {
    return this.pending.has(clientId);
  }

  wasSelected(clientId: string): boolean {
    return this.selected.includes(clientId);
  }

  accept(clientId: string, result: T): void {
    if (!this.pending.delete(clientId)) return;
    this.results.set(clientId, result);
    this.checkDone();
  }

  /** Turns an accepted result into a failure: its values were refused when it was aggregated. The accumulator is not told (it refused it). */
  refuse(failure: Failure): void {
    if (this.results.delete(failure.clientId)) this.failures.set(failure.clientId, failure);
  }

  fail(failure: Failure): void {
    if (!this.pending.delete(failure.clientId)) return;
    this.failures.set(failure.clientId, failure);
    this.onFailure?.(failure);
    this.checkDone();
  }

  /** Ends the round early (coordinator shutting down); pending clients are not recorded. */
  abort(): void {
    clearTimeout(this.timer);
    this.settle();
  }

  private expire(timeoutMs: number): void {
    for (const clientId of [...this.pending]) this.fail({ clientId, kind: 'timeout', reason: `no answer within ${timeoutMs} ms` });
  }

  private checkDone(): void {
    if (this.pending.size > 0) return;
    clearTimeout(this.timer);
    this.settle();
  }
}
