/**
 * TEST ONLY: a client that smuggles a raw value (argv[3]) into the bytes of its weight update, so
 * that the no-egress test can show its byte scanner catches a real leak. Never shipped.
 */
import { createClient } from '@cohort/client';
import { pino } from 'pino';

const [server, secret] = process.argv.slice(2) as [string, string];
const bytes = Buffer.from(secret.padEnd(Math.ceil(secret.length / 4) * 4, ' '));
const client = createClient({
  serverUrl: server,
  clientId: 'leaky',
  logger: pino({ level: 'silent' }),
  // Unsealed, so that the leak is on the wire for the scanner to find (sealed, only the coordinator would see it).
  sealUpdates: false,
  trainer: {
    async fit(task) {
      const delta = task.weights.map((w) => new Float32Array(w.length));
      new Uint8Array(delta[0]!.buffer).set(bytes); // ASCII bytes read as float32 are finite
      return { delta, numExamples: 1, metrics: { loss: 1, accuracy: 0 } };
    },
    async evaluate(task) {
      return { numExamples: 0, lossSum: 0, confusion: new Array<number>(task.numClasses ** 2).fill(0) };
    },
  },
});
await client.finished;
process.exit(0);
