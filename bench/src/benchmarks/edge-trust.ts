/**
 * Cost of device identities (privacy/src/identity, coordinator/src/trust), all measured in one run.
 *
 * 1. Bulk encryption of a 4.2 MB update (1M float32): tweetnacl `secretbox` (XSalsa20-Poly1305 in
 *    JavaScript) against node:crypto `chacha20-poly1305` (native), encrypt and decrypt, and the whole
 *    `sealPayload` / `openPayload` of that update (ephemeral X25519, HKDF, ChaCha20-Poly1305): the
 *    figure behind seal.ts's choice of ChaCha20-Poly1305.
 * 2. Signatures over the same 32-byte digests: ed25519 verification by tweetnacl and by node:crypto
 *    (`SignatureVerifier`), signing by tweetnacl and by node:crypto (`signMessage`, what clients do)
 *    for reference; `answerSigningBytes('fit')` of the 4.2 MB update against a bare SHA-256 of it.
 * 3. Handshake: N real clients created at once until a real Coordinator on 127.0.0.1 has registered
 *    every one, enrolled identities (challenge signed, then verified) against plain client ids.
 * 4. Rounds per minute of 1,000 clients (no-op trainer, small model), enrolled (signed and sealed
 *    updates) against open (neither). Clients and coordinator share this process and its cores, so the
 *    clients' signing and sealing runs in series with the coordinator's work, where real devices would
 *    do it in parallel; the per-update costs at the small model's size, coordinator side apart, and
 *    the X25519 key agreement inside them say where a round's extra time goes.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  randomBytes,
  randomUUID,
  sign,
  type KeyObject,
} from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nacl from 'tweetnacl';
import { createClient, type CohortClient } from '@cohort/client';
import { Coordinator, SocketTransport, type InitialModel } from '@cohort/coordinator';
import {
  SignatureVerifier,
  generateBoxKeyPair,
  generateDeviceIdentity,
  openPayload,
  publicIdentity,
  sealPayload,
  signMessage,
  type BoxKeyPair,
  type DeviceIdentity,
} from '@cohort/privacy/identity';
import { PROTOCOL_VERSION, answerSigningBytes, encodeTensors, sealAssociatedData, type UpdateMessage } from '@cohort/protocol';
import type { Benchmark, Figure, Ratio } from '../lib/result';
import { runNoopFederation } from '../lib/federation';
import { filled, parameterCount, syntheticModel } from '../lib/model';
import { NoopTrainer } from '../lib/noop-trainer';
import { silentLogger } from '../lib/silent';
import { figure, gc, interleaved, median, perSecond } from '../lib/stats';

const BULK_FLOATS = 1 << 20;
const BULK = { warmup: 1, reps: 5 };
/** Digests signed and verified per rep by tweetnacl; node:crypto goes round them NATIVE_LAPS times. */
const DIGESTS = 16;
const NATIVE_LAPS = 64;
const SIGNATURES = { warmup: 1, reps: 5 };
/** Small-update operations per rep (the per-update costs behind part 4). */
const PER_UPDATE = 16;
const HANDSHAKE_CLIENTS = 200;
const HANDSHAKE = { warmup: 1, reps: 3 };
const FEDERATION_CLIENTS = 1000;
const ROUNDS = 5; // round 1 (first allocations, JIT) is not measured
/** One dense layer 100 → 30: 3,030 parameters, a 12 KB update. */
const SMALL = { inputs: 100, units: 30 };
/** Enough for 1,000 loopback clients, and for the last of them to answer its challenge while the others are signing. */
const LIMITS = { maxConnectionsPerAddress: FEDERATION_CLIENTS + 16, handshakeTimeoutMs: 60_000 };

const mb = (bytes: number) => bytes / 1e6;
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const clientId = (i: number) => `bench-${String(i).padStart(4, '0')}`;
const same = (a: Uint8Array | null, b: Uint8Array) => a !== null && Buffer.from(a).equals(b);

/** Per-operation times from reps of `ops` operations each: `scale` 1 gives ms, 1000 gives µs. */
const perOp = (samples: readonly number[], ops: number, scale: number) => samples.map((ms) => (ms * scale) / ops);

/** One part's figures, ratios and notes. */
interface Part {
  figures: Figure[];
  ratios: Ratio[];
  notes: string[];
}

function chachaEncrypt(plaintext: Uint8Array, key: Uint8Array, nonce: Uint8Array): Buffer {
  const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

function chachaDecrypt(sealed: Buffer, key: Uint8Array, nonce: Uint8Array): Buffer {
  const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]);
}

/** The update a client sends, before its signature. */
function updateMessage(payload: Uint8Array, manifest: UpdateMessage['manifest']): Omit<UpdateMessage, 'signature'> {
  return { protocolVersion: PROTOCOL_VERSION, runId: randomUUID(), round: 1, clientId: clientId(0), numExamples: 1, manifest, payload };
}

/** 1: secretbox against chacha20-poly1305 on the bulk update, and the whole seal and open of it. */
async function bulkEncryption(payload: Uint8Array, size: string, recipient: BoxKeyPair): Promise<Part> {
  // Fixed keys and nonces: the data is not secret, only the work is measured.
  const key = randomBytes(32);
  const nonce24 = randomBytes(24);
  const nonce12 = randomBytes(12);
  const box = nacl.secretbox(payload, nonce24, key);
  const chacha = chachaEncrypt(payload, key, nonce12);
  const ad = sealAssociatedData(randomUUID(), 1, clientId(0));
  const sealed = sealPayload(payload, recipient.publicKey, ad);
  if (!same(nacl.secretbox.open(box, nonce24, key), payload) || !same(chachaDecrypt(chacha, key, nonce12), payload))
    throw new Error('a cipher did not give the plaintext back');
  if (!same(openPayload(sealed, recipient, ad), payload)) throw new Error('openPayload did not give the plaintext back');
  const t = await interleaved(
    {
      secretbox: () => nacl.secretbox(payload, nonce24, key),
      secretboxOpen: () => nacl.secretbox.open(box, nonce24, key),
      chacha: () => chachaEncrypt(payload, key, nonce12),
      chachaOpen: () => chachaDecrypt(chacha, key, nonce12),
      seal: () => sealPayload(payload, recipient.publicKey, ad),
      open: () => openPayload(sealed, recipient, ad),
    },
    BULK,
  );
  const rate = (samples: number[]) => perSecond(mb(payload.byteLength), samples);
  const secretbox = figure(`tweetnacl secretbox encrypt, ${size}`, rate(t.secretbox), 'MB/s', true);
  const chachaEnc = figure(`node:crypto chacha20-poly1305 encrypt, ${size}`, rate(t.chacha), 'MB/s');
  const secretboxOpen = figure(`tweetnacl secretbox.open decrypt, ${size}`, rate(t.secretboxOpen), 'MB/s', true);
  const chachaDec = figure(`node:crypto chacha20-poly1305 decrypt, ${size}`, rate(t.chachaOpen), 'MB/s');
  const both = figure(
    `sealPayload + openPayload, ${size}`,
    t.seal.map((ms, i) => ms + t.open[i]!),
    'ms',
  );
  return {
    figures: [
      secretbox,
      chachaEnc,
      secretboxOpen,
      chachaDec,
      figure(`sealPayload, ${size}`, t.seal, 'ms'),
      figure(`openPayload, ${size}`, t.open, 'ms'),
      both,
    ],
    ratios: [
      {
        label: 'chacha20-poly1305 ÷ secretbox, encrypt MB/s',
        value: chachaEnc.value / secretbox.value,
        meaning: 'why seal.ts encrypts with node:crypto ChaCha20-Poly1305',
      },
      { label: 'chacha20-poly1305 ÷ secretbox, decrypt MB/s', value: chachaDec.value / secretboxOpen.value, meaning: 'the same, opening' },
      {
        label: '(sealPayload + openPayload) ÷ (chacha20-poly1305 encrypt + decrypt), 4 MB',
        value: both.value / median(t.chacha.map((ms, i) => ms + t.chachaOpen[i]!)),
        meaning: 'what the X25519, HKDF and copies add; 1 = nothing',
      },
    ],
    notes: [`bulk: ${size}, ${BULK.warmup} warm-up + ${BULK.reps} reps, interleaved`],
  };
}

/**
 * 2: ed25519 over the same 32-byte digests, tweetnacl and node:crypto; answerSigningBytes of the
 * bulk update against a bare SHA-256 of its payload.
 */
async function signatures(identity: DeviceIdentity, bulk: Omit<UpdateMessage, 'signature'>, size: string): Promise<Part> {
  const { publicKey, secretKey } = identity.signing;
  const digests = Array.from({ length: DIGESTS }, (_, i) => new Uint8Array(createHash('sha256').update(`digest ${i}`).digest()));
  const signed = digests.map((d) => signMessage(d, secretKey));
  const verifier = new SignatureVerifier(publicKey);
  const nativeKey = createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', d: b64url(secretKey.subarray(0, 32)), x: b64url(publicKey) },
    format: 'jwk',
  });
  // ed25519 is deterministic: both libraries must give the very same signatures, and accept them.
  const agree = digests.every(
    (d, i) =>
      same(sign(null, d, nativeKey), signed[i]!) && nacl.sign.detached.verify(d, signed[i]!, publicKey) && verifier.verify(d, signed[i]!),
  );
  if (!agree) throw new Error('tweetnacl and node:crypto disagree on an ed25519 signature');
  let valid = 0;
  const t = await interleaved(
    {
      naclVerify: () => {
        for (let i = 0; i < DIGESTS; i++) valid += +nacl.sign.detached.verify(digests[i]!, signed[i]!, publicKey);
      },
      nativeVerify: () => {
        for (let lap = 0; lap < NATIVE_LAPS; lap++) for (let i = 0; i < DIGESTS; i++) valid += +verifier.verify(digests[i]!, signed[i]!);
      },
      naclSign: () => digests.map((d) => nacl.sign.detached(d, secretKey)),
      nativeSign: () => {
        for (let lap = 0; lap < NATIVE_LAPS; lap++) for (const d of digests) sign(null, d, nativeKey);
      },
    },
    SIGNATURES,
  );
  const expected = (SIGNATURES.warmup + SIGNATURES.reps) * DIGESTS * (1 + NATIVE_LAPS);
  if (valid !== expected) throw new Error(`${expected - valid} valid signatures failed to verify`);
  const hashing = await interleaved(
    { answer: () => answerSigningBytes('fit', bulk), sha256: () => createHash('sha256').update(bulk.payload).digest() },
    { warmup: 2, reps: 9 },
  );
  const naclVerify = figure('tweetnacl sign.detached.verify, 32-byte digest', perOp(t.naclVerify, DIGESTS, 1000), 'µs', true);
  const nativeVerify = figure(
    'node:crypto SignatureVerifier.verify, 32-byte digest',
    perOp(t.nativeVerify, DIGESTS * NATIVE_LAPS, 1000),
    'µs',
  );
  const naclSign = figure(
    'tweetnacl sign.detached (signMessage before node:crypto), 32-byte digest',
    perOp(t.naclSign, DIGESTS, 1000),
    'µs',
  );
  const nativeSign = figure(
    'node:crypto Ed25519 sign (signMessage now), 32-byte digest',
    perOp(t.nativeSign, DIGESTS * NATIVE_LAPS, 1000),
    'µs',
    true,
  );
  const answer = figure(`answerSigningBytes('fit'), ${size}`, hashing.answer, 'ms');
  const sha256 = figure(`baseline: SHA-256 of the ${size} payload alone`, hashing.sha256, 'ms', true);
  return {
    figures: [naclVerify, nativeVerify, naclSign, nativeSign, answer, sha256],
    ratios: [
      {
        label: 'tweetnacl verify ÷ node:crypto verify, µs per signature',
        value: naclVerify.value / nativeVerify.value,
        meaning: "speed-up of the coordinator's SignatureVerifier",
      },
      {
        label: 'tweetnacl sign ÷ node:crypto sign, µs per signature',
        value: naclSign.value / nativeSign.value,
        meaning: 'what clients pay for signing in JavaScript (a zeroable secret key)',
      },
      {
        label: 'answerSigningBytes ÷ SHA-256 of the payload, 4 MB',
        value: answer.value / sha256.value,
        meaning: '1 = the hash is all of it',
      },
    ],
    notes: [
      `signatures: ${DIGESTS} digests per rep (node:crypto ${NATIVE_LAPS} laps of them), ${SIGNATURES.warmup} warm-up + ${SIGNATURES.reps} reps, interleaved; both libraries give identical signatures`,
    ],
  };
}

/**
 * The per-update work behind part 4, at the small model's size: the client's (seal, then hash and
 * sign) and the coordinator's (hash, verify, open), and the X25519 key agreement inside seal and
 * open, by tweetnacl (`box.before`, which seal.ts used before) and by node:crypto (what it uses now,
 * importing the peer's raw key too). Returns the part and the client's and coordinator's ms per update.
 */
async function perUpdate(identity: DeviceIdentity, recipient: BoxKeyPair, model: InitialModel) {
  const { manifest, payload } = encodeTensors(model.weights);
  const size = `${parameterCount(model.weights).toLocaleString('en-US')} params (${(payload.byteLength / 1024).toFixed(0)} KiB)`;
  const ad = sealAssociatedData(randomUUID(), 1, identity.id);
  const verifier = new SignatureVerifier(identity.signing.publicKey);
  const seal = () => {
    const s = sealPayload(payload, recipient.publicKey, ad);
    return { s, message: { ...updateMessage(s.ciphertext, manifest), sealed: { ephemeralKey: b64(s.ephemeralKey), nonce: b64(s.nonce) } } };
  };
  const { s: sealed, message } = seal();
  const signature = signMessage(answerSigningBytes('fit', message), identity.signing.secretKey);
  const coordinatorSide = () => {
    if (!verifier.verify(answerSigningBytes('fit', message), signature) || !openPayload(sealed, recipient, ad))
      throw new Error('a small sealed update did not verify and open');
  };
  coordinatorSide();
  const ephemeral = nacl.box.keyPair();
  const privateKey = createPrivateKey({
    key: { kty: 'OKP', crv: 'X25519', d: b64url(recipient.secretKey), x: b64url(recipient.publicKey) },
    format: 'jwk',
  });
  const nativeX25519 = (peer: Uint8Array, key: KeyObject) =>
    diffieHellman({ privateKey: key, publicKey: createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64url(peer) }, format: 'jwk' }) });
  if (!same(nativeX25519(ephemeral.publicKey, privateKey), nacl.scalarMult(recipient.secretKey, ephemeral.publicKey)))
    throw new Error('tweetnacl and node:crypto disagree on an X25519 shared secret');
  const repeat = (n: number, fn: () => unknown) => () => {
    for (let i = 0; i < n; i++) fn();
  };
  const t = await interleaved(
    {
      seal: repeat(PER_UPDATE, seal),
      clientSign: repeat(PER_UPDATE, () => signMessage(answerSigningBytes('fit', message), identity.signing.secretKey)),
      coordinator: repeat(PER_UPDATE, coordinatorSide),
      naclX25519: repeat(PER_UPDATE, () => nacl.box.before(ephemeral.publicKey, recipient.secretKey)),
      nativeX25519: repeat(PER_UPDATE * NATIVE_LAPS, () => nativeX25519(ephemeral.publicKey, privateKey)),
    },
    SIGNATURES,
  );
  const clientSeal = figure(`client: sealPayload, ${size}`, perOp(t.seal, PER_UPDATE, 1), 'ms');
  const clientSign = figure(`client: answerSigningBytes + signMessage, ${size}`, perOp(t.clientSign, PER_UPDATE, 1), 'ms');
  const coordinator = figure(`coordinator: answerSigningBytes + verify + openPayload, ${size}`, perOp(t.coordinator, PER_UPDATE, 1), 'ms');
  const nacl25519 = figure(
    'X25519 key agreement: tweetnacl box.before (what seal used before node:crypto)',
    perOp(t.naclX25519, PER_UPDATE, 1000),
    'µs',
  );
  const native25519 = figure(
    'X25519 key agreement: node:crypto diffieHellman, peer key imported',
    perOp(t.nativeX25519, PER_UPDATE * NATIVE_LAPS, 1000),
    'µs',
    true,
  );
  const part: Part = {
    figures: [clientSeal, clientSign, coordinator, nacl25519, native25519],
    ratios: [
      {
        label: 'tweetnacl box.before ÷ node:crypto X25519',
        value: nacl25519.value / native25519.value,
        meaning: 'what seal and open would gain from a native key agreement',
      },
    ],
    notes: [
      `per-update costs: ${PER_UPDATE} updates per rep (node:crypto X25519 ${NATIVE_LAPS} × as many), ${SIGNATURES.warmup} + ${SIGNATURES.reps} reps`,
    ],
  };
  return { part, size, clientMs: clientSeal.value + clientSign.value, coordinatorMs: coordinator.value };
}

/**
 * ms from creating `count` clients to the coordinator having registered them all (with
 * `identities`: enrolled, each having signed the coordinator's challenge and had it verified).
 */
async function connectAll(model: InitialModel, count: number, identities?: readonly DeviceIdentity[]): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'cohort-bench-edge-'));
  const enrolPath = identities ? join(dir, 'enrolment.json') : undefined;
  if (enrolPath) writeFileSync(enrolPath, JSON.stringify({ devices: identities!.slice(0, count).map(publicIdentity) }));
  const transport = new SocketTransport({ log: silentLogger, ...LIMITS });
  const coordinator = new Coordinator({
    rounds: 1,
    minClients: count,
    evalEvery: 0,
    fit: { localEpochs: 1, batchSize: 1, learningRate: 0.1 },
    dbPath: join(dir, 'coordinator.db'),
    model,
    logger: silentLogger,
    transport,
    ...(enrolPath ? { enrolPath } : {}),
  });
  const clients: CohortClient[] = [];
  const deadline = AbortSignal.timeout(120_000);
  try {
    const url = await coordinator.start();
    const started = performance.now();
    for (let i = 0; i < count; i++) {
      const who = identities ? { identity: identities[i]! } : { clientId: clientId(i) };
      clients.push(createClient({ serverUrl: url, ...who, trainer: new NoopTrainer(), logger: silentLogger }));
    }
    // A refused client ends at once; waiting for it would only meet the deadline.
    const refused = new Promise<never>((_, reject) => clients.forEach((c) => c.finished.catch(reject)));
    refused.catch(() => undefined);
    await Promise.race([transport.waitForClients(count, deadline), refused]);
    const elapsed = performance.now() - started;
    if (transport.clients().length < count) throw new Error(`only ${transport.clients().length} of ${count} clients connected in 120 s`);
    return elapsed;
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await coordinator.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** 3: connecting with identities against plain ids, alternating, timing only the connections (not the coordinator's start and close). */
async function handshakes(model: InitialModel, identities: readonly DeviceIdentity[]): Promise<Part> {
  const ms = { plain: [] as number[], keyed: [] as number[] };
  for (let rep = 0; rep < HANDSHAKE.warmup + HANDSHAKE.reps; rep++) {
    const plain = await connectAll(model, HANDSHAKE_CLIENTS);
    const keyed = await connectAll(model, HANDSHAKE_CLIENTS, identities);
    if (rep < HANDSHAKE.warmup) continue;
    ms.plain.push(plain);
    ms.keyed.push(keyed);
  }
  const perClient = (samples: number[]) => samples.map((total) => total / HANDSHAKE_CLIENTS);
  const plain = figure(`connect ${HANDSHAKE_CLIENTS} clients, plain client ids (open)`, perClient(ms.plain), 'ms/client', true);
  const keyed = figure(
    `connect ${HANDSHAKE_CLIENTS} clients, enrolled identities (challenge signed + verified)`,
    perClient(ms.keyed),
    'ms/client',
  );
  return {
    figures: [plain, keyed],
    ratios: [
      {
        label: 'connect with identity ÷ plain client id, ms per client',
        value: keyed.value / plain.value,
        meaning: 'cost of the challenge (client signs, coordinator verifies)',
      },
    ],
    notes: [
      `handshake: ${HANDSHAKE_CLIENTS} clients created at once until the coordinator registered all of them, ${HANDSHAKE.warmup} warm-up + ${HANDSHAKE.reps} reps, alternating; ms/client = that time ÷ ${HANDSHAKE_CLIENTS}; medians ${millis(ms.plain)} (plain), ${millis(ms.keyed)} (identities)`,
    ],
  };
}

/** Wall time between 'round' events of rounds 2…ROUNDS and RoundReport.durationMs, in ms, and the highest RSS seen, in bytes. */
async function federation(model: InitialModel, identities?: readonly DeviceIdentity[]) {
  let rssPeak = process.memoryUsage().rss;
  const { reports, eventTimes } = await runNoopFederation({
    model,
    rounds: ROUNDS,
    clients: FEDERATION_CLIENTS,
    limits: LIMITS,
    onRound: () => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)),
    ...(identities ? { identities } : {}),
  });
  // With enrolment every update must be signed and sealed, or the round (all clients, one attempt) fails and so does the run.
  if (reports.length !== ROUNDS) throw new Error(`${reports.length} of ${ROUNDS} rounds committed`);
  return { between: eventTimes.slice(1).map((t, i) => t - eventTimes[i]!), durations: reports.slice(1).map((r) => r.durationMs), rssPeak };
}

/** 4: rounds per minute, open then enrolled, with what the per-update costs predict of the difference. */
async function roundsPerMinute(
  model: InitialModel,
  identities: readonly DeviceIdentity[],
  unit: { size: string; clientMs: number; coordinatorMs: number },
): Promise<Part> {
  const open = await federation(model);
  gc();
  const enrolled = await federation(model, identities);
  const perMinute = (between: number[]) => between.map((ms) => 60_000 / ms);
  const n = FEDERATION_CLIENTS;
  const openRate = figure(`rounds/min, ${n} clients, open (unsigned, unsealed)`, perMinute(open.between), 'rounds/min', true);
  const enrolledRate = figure(`rounds/min, ${n} clients, enrolled (signed + sealed)`, perMinute(enrolled.between), 'rounds/min');
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
  return {
    figures: [openRate, enrolledRate],
    ratios: [
      {
        label: `rounds/min enrolled ÷ open, ${n} clients in one process`,
        value: enrolledRate.value / openRate.value,
        meaning: '1 = identities cost nothing; includes every client’s signing and sealing',
      },
    ],
    notes: [
      `rounds: ${n} clients and the coordinator in this one process, no-op trainer, ${unit.size}, ${ROUNDS} rounds (first not measured), evalEvery 0; wall time between rounds ${millis(open.between)} (open), ${millis(enrolled.between)} (enrolled); RoundReport.durationMs ${millis(open.durations)} / ${millis(enrolled.durations)}`,
      `enrolled rounds take ${seconds(median(enrolled.between) - median(open.between))} more; ${n} × the per-update costs predict ${seconds(n * unit.clientMs)} of client work (seal, sign) and ${seconds(n * unit.coordinatorMs)} of coordinator work (hash, verify, open), all on the same cores here`,
      `RSS of this process (${n} clients and the coordinator), highest seen at a round's end: ${mib(open.rssPeak)} (open), ${mib(enrolled.rssPeak)} (enrolled)`,
    ],
  };
}

const millis = (values: number[]) => `${median(values).toFixed(0)} ms`;

export const run: Benchmark = async () => {
  const { manifest, payload } = encodeTensors([{ name: 'dense/kernel', shape: [BULK_FLOATS], data: filled(BULK_FLOATS, 7) }]);
  const size = `${mb(payload.byteLength).toFixed(1)} MB (${BULK_FLOATS.toLocaleString('en-US')} float32)`;
  const recipient = generateBoxKeyPair();
  const bulk = await bulkEncryption(payload, size, recipient);
  gc();

  const generating = performance.now();
  const identities = Array.from({ length: FEDERATION_CLIENTS }, (_, i) => generateDeviceIdentity(clientId(i)));
  const generationMs = performance.now() - generating;
  const signing = await signatures(identities[0]!, updateMessage(payload, manifest), size);
  const model = syntheticModel(SMALL.inputs, SMALL.units);
  const unit = await perUpdate(identities[0]!, recipient, model);
  gc();

  const handshake = await handshakes(model, identities);
  gc();
  const rounds = await roundsPerMinute(model, identities, unit);

  const parts = [bulk, signing, handshake, rounds, unit.part];
  return {
    figures: parts.flatMap((p) => p.figures),
    ratios: parts.flatMap((p) => p.ratios),
    notes: [
      ...parts.flatMap((p) => p.notes),
      `generating ${FEDERATION_CLIENTS} device identities (tweetnacl ed25519 + X25519 key pairs) took ${(generationMs / 1000).toFixed(1)} s`,
    ],
  };
};
