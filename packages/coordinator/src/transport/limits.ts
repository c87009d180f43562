/**
 * The socket transport's abuse limits as plain objects, without sockets: connection counts (in total
 * and per remote address), a per-socket token bucket for messages, and a logger that lets one
 * socket write only so many warnings a minute.
 */
import type { Ack, RejectionCode } from '@cohort/protocol';
import type { Logger } from 'pino';

/**
 * Why the transport refused a connection or a message: the protocol's rejection codes about load,
 * not about a message's content (`{ code, message }` in a connection error's `data`, or in an ack).
 */
export const TRANSPORT_REFUSAL_CODES = [
  'TOO_MANY_CONNECTIONS',
  'TOO_MANY_FROM_ADDRESS',
  'RATE_LIMITED',
] as const satisfies readonly RejectionCode[];
export type TransportRefusalCode = (typeof TRANSPORT_REFUSAL_CODES)[number];

export interface TransportRefusal {
  code: TransportRefusalCode;
  message: string;
}

/** The ack of a message refused by the rate limit. */
export function refusalAck(refusal: TransportRefusal): Ack {
  return { ok: false, ...refusal };
}

/** Open connections, in total and by remote address; `admit` counts one until its `release`. */
export class ConnectionCounter {
  private total = 0;
  private readonly byAddress = new Map<string, number>();

  constructor(
    private readonly maxTotal: number,
    private readonly maxPerAddress: number,
  ) {}

  get size(): number {
    return this.total;
  }

  /** Counts a connection from `address`, or says why it is refused; call `release` once when it closes. */
  admit(address: string): { release: () => void } | TransportRefusal {
    if (this.total >= this.maxTotal)
      return { code: 'TOO_MANY_CONNECTIONS', message: `the coordinator already has its limit of ${this.maxTotal} connections` };
    const fromAddress = this.byAddress.get(address) ?? 0;
    if (fromAddress >= this.maxPerAddress)
      return {
        code: 'TOO_MANY_FROM_ADDRESS',
        message: `the coordinator already has its limit of ${this.maxPerAddress} connections from ${address}`,
      };
    this.total++;
    this.byAddress.set(address, fromAddress + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.total--;
        const left = (this.byAddress.get(address) ?? 1) - 1;
        if (left > 0) this.byAddress.set(address, left);
        else this.byAddress.delete(address);
      },
    };
  }
}

export interface MessageRate {
  /** Tokens added per second: the sustained rate. */
  perSecond: number;
  /** Bucket size: the most messages accepted at once after a quiet spell. */
  burst: number;
}

/** A token bucket: `take` spends one token if there is one. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: MessageRate,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = rate.burst;
    this.last = now();
  }

  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.rate.burst, this.tokens + ((now - this.last) / 1000) * this.rate.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

const WINDOW_MS = 60_000;

/**
 * A logger whose warnings and errors are limited to `perMinute` in each minute; beyond that they are
 * dropped, with one line when dropping starts and one summary line (how many were dropped) when the
 * minute is over and something is logged again, or at `flush`. Other levels pass through.
 */
export function limitedLogger(log: Logger, perMinute: number, who: string, now: () => number = Date.now): Logger & { flush(): void } {
  let windowStart = now();
  let written = 0;
  let dropped = 0;
  const flush = () => {
    if (dropped > 0) log.warn({ suppressed: dropped }, `suppressed ${dropped} warnings from ${who} in the last minute`);
    dropped = 0;
  };
  const allow = (): boolean => {
    const t = now();
    if (t - windowStart >= WINDOW_MS) {
      flush();
      windowStart = t;
      written = 0;
    }
    if (written < perMinute) {
      written++;
      return true;
    }
    if (dropped++ === 0)
      log.warn(`more than ${perMinute} warnings a minute from ${who}: further ones are suppressed until the minute ends`);
    return false;
  };
  return new Proxy(log, {
    get(target, property, receiver) {
      if (property === 'flush') return flush;
      const value = Reflect.get(target, property, receiver) as unknown;
      if ((property === 'warn' || property === 'error') && typeof value === 'function') {
        return (...args: unknown[]) => {
          if (allow()) (value as (...a: unknown[]) => void).apply(target, args);
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  }) as Logger & { flush(): void };
}
