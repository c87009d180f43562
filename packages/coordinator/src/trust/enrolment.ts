/**
 * The devices allowed to join: an enrolment file the operator edits, reloaded when it changes (or on
 * `reload()`, which the CLI calls on SIGHUP). Each device is its ed25519 public key, the client id
 * that key is bound to, and optionally the weight its updates carry in FedAvg (which then ignores
 * the example count the device claims).
 *
 * ```json
 * { "devices": [ { "id": "site-a", "signingKey": "<base64>", "boxKey": "<base64>", "weight": 1200 } ] }
 * ```
 * (`cohort keygen` prints one device's entry.) A file that cannot be read or parsed on reload keeps
 * the previous list and is reported: a typo must not revoke every device at once.
 */
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { CoordinatorError } from '../errors';

export interface EnrolledDevice {
  id: string;
  /** base64 ed25519 public key. */
  signingKey: string;
  /** base64 X25519 public key (for secure aggregation). */
  boxKey?: string;
  /** Fixed FedAvg weight of this device's updates, instead of the example count it reports. */
  weight?: number;
}

const KEY = /^[A-Za-z0-9+/]{43}=$/;
const ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Parses an enrolment file's text; throws INVALID_ENROLMENT naming the entry and field at fault. */
export function parseEnrolment(text: string, source: string): EnrolledDevice[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CoordinatorError('INVALID_ENROLMENT', `${source} is not JSON: ${(error as Error).message}`);
  }
  const list = Array.isArray(json) ? json : (json as { devices?: unknown } | null)?.devices;
  if (!Array.isArray(list)) throw new CoordinatorError('INVALID_ENROLMENT', `${source} must be { "devices": [ … ] }.`);
  const byKey = new Set<string>();
  const byId = new Set<string>();
  return list.map((raw, i) => {
    const where = `${source}: devices[${i}]`;
    const fail = (message: string): never => {
      throw new CoordinatorError('INVALID_ENROLMENT', `${where}: ${message}`);
    };
    if (typeof raw !== 'object' || raw === null) return fail('must be an object');
    const entry = raw as Record<string, unknown>;
    for (const key of Object.keys(entry))
      if (!['id', 'signingKey', 'boxKey', 'weight'].includes(key)) fail(`unknown field "${key}" (expected id, signingKey, boxKey, weight)`);
    const { id, signingKey, boxKey, weight } = entry;
    if (typeof id !== 'string' || !ID.test(id)) fail('id must be 1–128 letters, digits and . _ : -');
    if (typeof signingKey !== 'string' || !KEY.test(signingKey) || Buffer.from(signingKey, 'base64').length !== 32)
      fail('signingKey must be a 32-byte key in base64 (from cohort keygen)');
    if (boxKey !== undefined && (typeof boxKey !== 'string' || !KEY.test(boxKey))) fail('boxKey must be a 32-byte key in base64');
    if (weight !== undefined && !(typeof weight === 'number' && Number.isSafeInteger(weight) && weight >= 1))
      fail('weight must be an integer ≥ 1');
    const canonical = Buffer.from(signingKey as string, 'base64').toString('base64');
    if (byKey.has(canonical)) fail('this signingKey is listed twice');
    if (byId.has(id as string)) fail(`id ${id as string} is listed twice`);
    byKey.add(canonical);
    byId.add(id as string);
    return {
      id: id as string,
      // One text per key (non-canonical base64 decodes to the same bytes), as the handshake compares them.
      signingKey: canonical,
      ...(boxKey ? { boxKey: boxKey as string } : {}),
      ...(weight !== undefined ? { weight: weight as number } : {}),
    };
  });
}

export class Enrolment {
  private devices = new Map<string, EnrolledDevice>();
  private listeners: Array<(removed: EnrolledDevice[]) => void> = [];
  private watching = false;

  /** Reads `path` now (throwing if it is unusable: a coordinator must not start on a broken list). */
  constructor(
    readonly path: string,
    private readonly report: (error: Error) => void = () => undefined,
  ) {
    this.replace(parseEnrolment(readFile(path), path));
  }

  get size(): number {
    return this.devices.size;
  }

  /** The device enrolled with this signing key (base64), if any. */
  lookup(signingKey: string): EnrolledDevice | undefined {
    return this.devices.get(signingKey);
  }

  /** Calls `listener` with the devices a reload removed (revoked). */
  onRevoke(listener: (removed: EnrolledDevice[]) => void): void {
    this.listeners.push(listener);
  }

  /** Re-reads the file; on error keeps the current list and reports it. Returns whether it changed. */
  reload(): boolean {
    let next: EnrolledDevice[];
    try {
      next = parseEnrolment(readFile(this.path), this.path);
    } catch (error) {
      this.report(error as Error);
      return false;
    }
    const removed = this.replace(next);
    if (removed.length > 0) for (const listener of this.listeners) listener(removed);
    return true;
  }

  /** Reloads whenever the file's modification time changes (polled, so editors that replace the file work too). */
  watch(intervalMs = 500): void {
    if (this.watching) return;
    this.watching = true;
    watchFile(this.path, { interval: intervalMs, persistent: false }, (now, before) => {
      if (now.mtimeMs !== before.mtimeMs || now.size !== before.size) this.reload();
    });
  }

  close(): void {
    if (this.watching) unwatchFile(this.path);
    this.watching = false;
  }

  /** Installs a new list; returns the devices that were enrolled before (by key and id) and are not now. */
  private replace(list: EnrolledDevice[]): EnrolledDevice[] {
    const next = new Map(list.map((d) => [d.signingKey, d]));
    const removed = [...this.devices.values()].filter((d) => next.get(d.signingKey)?.id !== d.id);
    this.devices = next;
    return removed;
  }
}

function readFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new CoordinatorError('INVALID_ENROLMENT', `cannot read the enrolment file ${path}: ${(error as Error).message}`);
  }
}
