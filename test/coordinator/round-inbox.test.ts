/**
 * The round inbox with a streaming aggregate: an update's values are checked where FedAvg adds them,
 * and its ack waits for that verdict; an accumulator that does not check values gets updates
 * checked on arrival; a broken one costs its client a rejection, not the process.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { PROTOCOL_VERSION, encodeTensors } from '@cohort/protocol';
import { FedAvg, type FitAccumulator } from '@cohort/coordinator';
import { RoundInbox, answer, type InboxContext } from '../../packages/coordinator/src/round-inbox';

const specs = [{ name: 'w', shape: [3], dtype: 'float32' as const }];
const ctx: InboxContext = {
  runId: 'run',
  weightSpecs: specs,
  numClasses: 2,
  maxMessageBytes: 1 << 20,
  log: pino({ level: 'silent' }),
  privateParticipation: false,
};
const global = [new Float32Array(3)];

function update(clientId: string, values: number[]): Record<string, unknown> {
  const encoded = encodeTensors([{ name: 'w', shape: [3], data: Float32Array.from(values) }]);
  return { protocolVersion: PROTOCOL_VERSION, runId: 'run', round: 1, clientId, numExamples: 1, ...encoded };
}

/** An accumulator that records what it is handed and checks nothing itself. */
function recording(extra: Partial<FitAccumulator> = {}): FitAccumulator & { added: string[] } {
  const added: string[] = [];
  return {
    added,
    add: (r) => added.push(r.clientId),
    skip: () => undefined,
    flush: () => undefined,
    finish: () => {
      throw new Error('not used');
    },
    ...extra,
  };
}

describe('a round inbox with a streaming aggregate', () => {
  let inbox: RoundInbox | undefined;
  afterEach(() => inbox?.abort());

  it('refuses an update with a NaN in the middle of a round when FedAvg adds it: its ack says why, and the answers agree', async () => {
    const ids = Array.from({ length: 8 }, (_, i) => `c${i}`);
    const accumulator = new FedAvg().fitAccumulator(1, ids, global)!;
    inbox = new RoundInbox('fit', 1, ids, 10_000, ctx, undefined, accumulator);
    const acks = ids.map((id, i) => answer(ctx, id, 'round:update', update(id, i === 3 ? [1, Number.NaN, 1] : [i, i, i]), inbox));
    // Validation did not read the values: the verdicts wait for the aggregate.
    expect(acks.every((a) => a instanceof Promise)).toBe(true);
    await inbox.done;
    const refusal = { ok: false, code: 'NON_FINITE', message: 'tensor w has a non-finite value at index 1' };
    expect(await Promise.all(acks)).toEqual(ids.map((_, i) => (i === 3 ? refusal : { ok: true })));
    const accepted = ids.filter((_, i) => i !== 3);
    expect([...inbox.collector.results.keys()].sort()).toEqual(accepted);
    expect(inbox.collector.failures.get('c3')).toEqual({ clientId: 'c3', kind: 'rejected', reason: `NON_FINITE: ${refusal.message}` });
    const results = accepted.map((clientId) => ({ clientId, numExamples: 1 }));
    const mean = Math.fround((0 + 1 + 2 + 4 + 5 + 6 + 7) / 7);
    expect([...accumulator.finish(results, []).weights[0]!]).toEqual([mean, mean, mean]);
  });

  it('checks the values on arrival for an accumulator that does not check them, and accepts at once', () => {
    const accumulator = recording();
    inbox = new RoundInbox('fit', 1, ['a', 'b'], 10_000, ctx, undefined, accumulator);
    expect(answer(ctx, 'a', 'round:update', update('a', [0, Number.POSITIVE_INFINITY, 0]), inbox)).toEqual({
      ok: false,
      code: 'NON_FINITE',
      message: 'tensor w has a non-finite value at index 1',
    });
    expect(answer(ctx, 'b', 'round:update', update('b', [1, 2, 3]), inbox)).toEqual({ ok: true });
    expect(accumulator.added).toEqual(['b']);
  });

  it('rejects the update an accumulator throws on, and does not count it', () => {
    const accumulator = recording({
      checksValues: true,
      add: () => {
        throw new Error('the accumulator broke');
      },
    });
    inbox = new RoundInbox('fit', 1, ['a', 'b'], 10_000, ctx, undefined, accumulator);
    expect(answer(ctx, 'a', 'round:update', update('a', [1, 2, 3]), inbox)).toMatchObject({ ok: false, code: 'INVALID_MESSAGE' });
    expect(inbox.collector.results.size).toBe(0);
    expect(inbox.collector.failures.get('a')).toMatchObject({ kind: 'rejected', reason: 'INVALID_MESSAGE: the accumulator broke' });
  });
});
