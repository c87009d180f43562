/**
 * Round overhead, everything in one process: a coordinator and 100 clients with the no-op trainer,
 * against a bare socket.io server and 100 echoing clients, both sharing this process's heap and the
 * machine's 2 cores, as a simulation does. round-overhead-split.ts runs the clients in another
 * process. See lib/round-spans.ts for what is measured.
 */
import type { Benchmark } from '../lib/result';
import { CLIENTS, configuration, compare, echoDrift, echoExchanges, federationRounds, roundModel, type Span } from '../lib/round-spans';
import { startEchoRig } from '../lib/socket-echo';
import { gc } from '../lib/stats';

/** The echo is steady from its second exchange here (its clients are warm from connecting). */
const ECHO_WARMUP = 2;

/** The echo's exchanges, on a fresh rig (its clients connect anew), after its warm-up. */
async function echoSpans(payload: Uint8Array): Promise<Span[]> {
  const rig = await startEchoRig(CLIENTS, payload.byteLength);
  try {
    return await echoExchanges((p) => rig.exchange(p), payload, ECHO_WARMUP);
  } finally {
    await rig.close();
  }
}

export const run: Benchmark = async () => {
  const { model, payload } = roundModel();
  // The echo is measured before and after the federation, so that load elsewhere on the machine that
  // changes while the bench runs moves both sides of a ratio alike.
  const before = await echoSpans(payload);
  gc();
  const federation = await federationRounds(model);
  gc();
  const after = await echoSpans(payload);
  return {
    ...compare(payload.byteLength, [...before, ...after], federation),
    notes: [
      configuration(model, ECHO_WARMUP),
      echoDrift(before, after),
      `warm-up rounds: ${federation.warmup}`,
      federation.frames,
      federation.rssPeak === undefined
        ? 'peak RSS: the kernel keeps no resettable high-water mark here'
        : `peak RSS during the measured rounds (VmHWM): ${(federation.rssPeak / 2 ** 20).toFixed(0)} MiB`,
    ],
  };
};
