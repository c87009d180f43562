/**
 * Round overhead, everything in one process: a coordinator and 100 clients with the no-op trainer,
 * against a bare socket.io server and 100 echoing clients, both sharing this process's heap and the
 * machine's 2 cores, as a simulation does. round-overhead-split.ts runs the clients in another
 * process. See lib/round-spans.ts for what is measured.
 */
import type { Benchmark } from '../lib/result';
import { CLIENTS, configuration, compare, echoExchanges, federationRounds, roundModel, type Span } from '../lib/round-spans';
import { startEchoRig } from '../lib/socket-echo';
import { gc } from '../lib/stats';

/** The echo is steady from its second exchange here (its clients are warm from connecting). */
const ECHO_WARMUP = 2;

export const run: Benchmark = async () => {
  const { model, payload } = roundModel();
  const rig = await startEchoRig(CLIENTS, payload.byteLength);
  let echo: Span[];
  try {
    echo = await echoExchanges((p) => rig.exchange(p), payload, ECHO_WARMUP);
  } finally {
    await rig.close();
  }
  gc();
  const federation = await federationRounds(model);
  return {
    ...compare(payload.byteLength, echo, federation),
    notes: [
      configuration(model, ECHO_WARMUP),
      `warm-up rounds: ${federation.warmup}`,
      `highest RSS seen at a round's end: ${(federation.rssPeak / 2 ** 20).toFixed(0)} MiB`,
    ],
  };
};
