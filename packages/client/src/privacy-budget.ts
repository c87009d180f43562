/**
 * A client's own privacy budget for local differential privacy, so that it never has to trust the
 * coordinator's count. Every update sent under local DP releases this client's data through the
 * Gaussian mechanism with noise multiplier z = noiseStdDev / clipNorm. The coordinator knows who
 * took part, so sampling gives no amplification here: each release is accounted at sampleRate 1.
 *
 * `reserve()` composes the release in an RDP accountant and makes it durable (temporary file,
 * fsync, rename, fsync of the directory) before it returns; the caller sends the update only
 * afterwards. A crash after sending therefore never loses a release, and a crash before sending
 * at worst counts one that never left, which is the safe side.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { RdpAccountant } from '@cohort/privacy';
import { ClientError } from './errors';

export interface PrivacyBudgetOptions {
  /** Total ε this client may spend, over every run and restart that shares `statePath`; > 0. */
  epsilon: number;
  /** δ at which ε is computed, in (0, 1). Use one δ for the lifetime of a state file. */
  delta: number;
  /**
   * JSON file holding the releases spent so far; created (with its directory) on the first
   * release. One process at a time per file.
   */
  statePath: string;
}

/** What this client has spent, by its own accounting. */
export interface PrivacySpent {
  /** ε spent so far at `delta` (RDP, converted with the Canonne–Kamath–Steinke bound). */
  epsilon: number;
  delta: number;
  /** Updates sent (or about to be sent) under local DP. */
  releases: number;
  budgetEpsilon: number;
}

const FORMAT = 'cohort-client-privacy-budget';

interface StateFile {
  format: typeof FORMAT;
  version: 1;
  releases: number;
  accountant: ReturnType<RdpAccountant['toJSON']>;
  updatedAt: string;
}

export class PrivacyBudget {
  readonly budgetEpsilon: number;
  readonly delta: number;
  readonly statePath: string;
  private accountant: RdpAccountant;
  private releases: number;

  /** Reads the state file if it exists; throws ClientError('CORRUPT_STATE') if it is unreadable as a budget. */
  constructor(options: PrivacyBudgetOptions) {
    const { epsilon, delta, statePath } = options;
    if (!(Number.isFinite(epsilon) && epsilon > 0)) throw invalid('privacyBudget.epsilon', 'a finite number > 0', epsilon);
    if (!(delta > 0 && delta < 1)) throw invalid('privacyBudget.delta', 'in (0, 1)', delta);
    if (typeof statePath !== 'string' || statePath.length === 0)
      throw invalid('privacyBudget.statePath', 'a non-empty file path', statePath);
    this.budgetEpsilon = epsilon;
    this.delta = delta;
    this.statePath = statePath;
    const loaded = load(statePath);
    this.accountant = loaded?.accountant ?? new RdpAccountant();
    this.releases = loaded?.releases ?? 0;
  }

  get spent(): PrivacySpent {
    return {
      epsilon: this.accountant.getEpsilon(this.delta),
      delta: this.delta,
      releases: this.releases,
      budgetEpsilon: this.budgetEpsilon,
    };
  }

  /** ε after one more release at noise multiplier z, without spending it. */
  epsilonAfter(noiseMultiplier: number): number {
    return this.next(noiseMultiplier).getEpsilon(this.delta);
  }

  /** Throws ClientError('PRIVACY_BUDGET') if one more release at z would exceed the budget. */
  check(noiseMultiplier: number): void {
    this.refuseIfOver(this.epsilonAfter(noiseMultiplier));
  }

  /**
   * Spends one release at noise multiplier z: returns only once the state file durably holds it.
   * Throws, spending nothing, if the release would exceed the budget (ClientError 'PRIVACY_BUDGET')
   * or cannot be recorded ('STATE_IO'); the update must then not be sent.
   */
  reserve(noiseMultiplier: number): PrivacySpent {
    const next = this.next(noiseMultiplier);
    this.refuseIfOver(next.getEpsilon(this.delta));
    const state: StateFile = {
      format: FORMAT,
      version: 1,
      releases: this.releases + 1,
      accountant: next.toJSON(),
      updatedAt: new Date().toISOString(),
    };
    try {
      writeDurably(this.statePath, `${JSON.stringify(state, null, 2)}\n`);
    } catch (cause) {
      throw new ClientError(
        'STATE_IO',
        `cannot record the release in the privacy budget file ${this.statePath}: ${(cause as Error).message}; the update is not sent.`,
        { cause },
      );
    }
    this.accountant = next;
    this.releases += 1;
    return this.spent;
  }

  private next(noiseMultiplier: number): RdpAccountant {
    if (!(Number.isFinite(noiseMultiplier) && noiseMultiplier > 0)) {
      throw new ClientError('UNSAFE_DP', `a local DP release needs a noise multiplier > 0, got ${noiseMultiplier}.`);
    }
    return RdpAccountant.fromJSON(this.accountant.toJSON()).step({ noiseMultiplier, sampleRate: 1 });
  }

  private refuseIfOver(epsilon: number): void {
    if (epsilon > this.budgetEpsilon) {
      throw new ClientError(
        'PRIVACY_BUDGET',
        `client privacy budget exhausted: ε would reach ${show(epsilon)} > budget ${show(this.budgetEpsilon)} at δ ${this.delta} after ${this.releases} releases; the update is not sent.`,
      );
    }
  }
}

function load(path: string): { accountant: RdpAccountant; releases: number } | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ClientError('STATE_IO', `cannot read the privacy budget file ${path}: ${(cause as Error).message}.`, { cause });
  }
  const corrupt = (why: string, cause?: unknown) =>
    new ClientError(
      'CORRUPT_STATE',
      `the privacy budget file ${path} is corrupt (${why}); refusing to start from zero. Restore it from a backup; delete it only if you accept losing the record of past releases.`,
      { cause },
    );
  let state: Partial<StateFile>;
  try {
    state = JSON.parse(text) as Partial<StateFile>;
  } catch (cause) {
    throw corrupt('not JSON', cause);
  }
  if (typeof state !== 'object' || state === null || state.format !== FORMAT) throw corrupt(`format must be "${FORMAT}"`);
  if (state.version !== 1) throw corrupt(`version must be 1, got ${JSON.stringify(state.version)}`);
  let accountant: RdpAccountant;
  try {
    accountant = RdpAccountant.fromJSON(state.accountant);
  } catch (cause) {
    throw corrupt((cause as Error).message, cause);
  }
  const replayed = accountant.history.reduce((n, e) => n + e.count, 0);
  if (state.releases !== replayed) throw corrupt(`releases is ${JSON.stringify(state.releases)} but the accountant holds ${replayed}`);
  if (accountant.history.some((e) => e.sampleRate !== 1)) throw corrupt('a release has a sample rate other than 1');
  return { accountant, releases: replayed };
}

/** Replaces `path` atomically: a reader sees the old or the new content, never a torn write. */
function writeDurably(path: string, text: string): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'w', 0o600);
  try {
    writeFileSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  // The rename itself is durable only once the directory entry is flushed (not possible on Windows).
  if (process.platform !== 'win32') {
    const dirFd = openSync(dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  }
}

function invalid(field: string, rule: string, value: unknown): ClientError {
  return new ClientError('INVALID_OPTION', `client option ${field} must be ${rule}, got ${String(value)}.`);
}

function show(x: number): string {
  return String(Number(x.toPrecision(6)));
}
