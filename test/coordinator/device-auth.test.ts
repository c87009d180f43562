/**
 * The coordinator's trust policy without sockets: enrolment files (parsed strictly, reloaded safely),
 * admission, the binding of client ids to keys, and the checks every answer of a keyed connection passes.
 */
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nacl from 'tweetnacl';
import { DeviceAuth, Enrolment, parseEnrolment, type ConnectionIdentity } from '@cohort/coordinator';
import { generateDeviceIdentity, publicIdentity, sealPayload, signMessage } from '@cohort/privacy/identity';
import {
  PROTOCOL_VERSION,
  type ProtocolError,
  answerSigningBytes,
  encodeTensors,
  handshakeProofBytes,
  sealAssociatedData,
  type UpdateMessage,
} from '@cohort/protocol';
import { tempDir } from '../helpers/federation';

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const [siteA, siteB] = [generateDeviceIdentity('site-a'), generateDeviceIdentity('site-b')];

function enrolmentAt(devices: object[]): string {
  const path = join(tempDir(), 'devices.json');
  writeFileSync(path, JSON.stringify({ devices }));
  return path;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as ProtocolError).code;
  }
  return undefined;
}

describe('enrolment files', () => {
  it('names the entry and field at fault', () => {
    const key = publicIdentity(siteA).signingKey;
    expect(() => parseEnrolment('{', 'f.json')).toThrow(/f.json is not JSON/);
    expect(() => parseEnrolment('{"devices": 3}', 'f.json')).toThrow(/must be \{ "devices"/);
    expect(() => parseEnrolment(JSON.stringify([{ id: 'a', signingKey: 'short' }]), 'f.json')).toThrow(/devices\[0\]: signingKey must be/);
    expect(() => parseEnrolment(JSON.stringify([{ id: 'a', signingKey: key, weight: 0 }]), 'f.json')).toThrow(
      /devices\[0\]: weight must be/,
    );
    expect(() => parseEnrolment(JSON.stringify([{ id: 'a', signingKey: key, colour: 1 }]), 'f.json')).toThrow(/unknown field "colour"/);
    expect(() =>
      parseEnrolment(
        JSON.stringify([
          { id: 'a', signingKey: key },
          { id: 'b', signingKey: key },
        ]),
        'f.json',
      ),
    ).toThrow(/devices\[1\]: this signingKey is listed twice/);
  });

  it('reports removed devices on reload, and keeps the current list when the file breaks', () => {
    const path = enrolmentAt([publicIdentity(siteA), publicIdentity(siteB)]);
    const errors: string[] = [];
    const enrolment = new Enrolment(path, (e) => errors.push(e.message));
    const revoked: string[][] = [];
    enrolment.onRevoke((removed) => revoked.push(removed.map((d) => d.id)));
    writeFileSync(path, JSON.stringify({ devices: [publicIdentity(siteA)] }));
    expect(enrolment.reload()).toBe(true);
    expect(revoked).toEqual([['site-b']]);
    writeFileSync(path, '{ oops');
    expect(enrolment.reload()).toBe(false);
    expect(errors).toHaveLength(1);
    expect(enrolment.lookup(publicIdentity(siteA).signingKey)?.id).toBe('site-a');
  });
});

describe('DeviceAuth', () => {
  const coordinatorKey = nacl.box.keyPair();

  function proven(auth: DeviceAuth, identity = siteA): ConnectionIdentity {
    const admitted = auth.admit({ protocolVersion: PROTOCOL_VERSION, clientId: identity.id, signingKey: b64(identity.signing.publicKey) });
    if ('code' in admitted) throw new Error(admitted.message);
    const challenge = auth.challenge();
    const bytes = handshakeProofBytes({
      nonce: challenge.nonce,
      clientId: identity.id,
      signingKey: admitted.signingKey!,
      coordinatorKey: challenge.coordinatorKey,
    });
    expect(auth.checkProof(admitted, challenge, { signature: b64(signMessage(bytes, identity.signing.secretKey)) })).toBeUndefined();
    return admitted;
  }

  it('admits only enrolled keys under their enrolled id, and requires a key', () => {
    const auth = new DeviceAuth({ coordinatorKey, sealUpdates: true, enrolment: new Enrolment(enrolmentAt([publicIdentity(siteA)])) });
    const admit = (clientId: string, key?: Uint8Array) =>
      auth.admit({ protocolVersion: PROTOCOL_VERSION, clientId, ...(key ? { signingKey: b64(key) } : {}) });
    expect(admit('site-a')).toMatchObject({ code: 'KEY_REQUIRED' });
    expect(admit('site-b', siteB.signing.publicKey)).toMatchObject({ code: 'UNKNOWN_KEY' });
    expect(admit('site-b', siteA.signing.publicKey)).toMatchObject({ code: 'KEY_ID_MISMATCH' });
    expect(admit('site-a', siteA.signing.publicKey)).toEqual({ clientId: 'site-a', signingKey: b64(siteA.signing.publicKey) });
  });

  it('refuses a proof signed for another nonce or coordinator key', () => {
    const auth = new DeviceAuth({ coordinatorKey, sealUpdates: false });
    const identity = auth.admit({
      protocolVersion: PROTOCOL_VERSION,
      clientId: 'site-a',
      signingKey: b64(siteA.signing.publicKey),
    }) as ConnectionIdentity;
    const challenge = auth.challenge();
    const stale = handshakeProofBytes({
      nonce: auth.challenge().nonce,
      clientId: 'site-a',
      signingKey: identity.signingKey!,
      coordinatorKey: challenge.coordinatorKey,
    });
    expect(auth.checkProof(identity, challenge, { signature: b64(signMessage(stale, siteA.signing.secretKey)) })).toMatchObject({
      code: 'BAD_PROOF',
    });
    const relayed = handshakeProofBytes({
      nonce: challenge.nonce,
      clientId: 'site-a',
      signingKey: identity.signingKey!,
      coordinatorKey: b64(nacl.box.keyPair().publicKey),
    });
    expect(auth.checkProof(identity, challenge, { signature: b64(signMessage(relayed, siteA.signing.secretKey)) })).toMatchObject({
      code: 'BAD_PROOF',
    });
    expect(auth.checkProof(identity, challenge, { signature: 'nonsense' })).toMatchObject({ code: 'BAD_PROOF' });
  });

  it('binds an id to the first key that proves it: another key or no key is refused, the same key replaces', () => {
    const auth = new DeviceAuth({ coordinatorKey, sealUpdates: false });
    const owner = proven(auth);
    expect(auth.bind(owner, undefined)).toBe('new');
    expect(auth.bind(proven(auth), owner)).toBe('replace');
    expect(auth.bind({ clientId: 'site-a' }, owner)).toMatchObject({ code: 'ID_IN_USE' });
    const impostor = proven(auth, generateDeviceIdentity('site-a'));
    expect(auth.bind(impostor, owner)).toMatchObject({ code: 'ID_IN_USE' });
    expect(auth.bind(impostor, undefined)).toMatchObject({ code: 'KEY_ID_MISMATCH' });
    expect(auth.bind({ clientId: 'site-a' }, undefined)).toMatchObject({ code: 'KEY_ID_MISMATCH' });
  });

  it('checks signatures and seals, and applies an enrolled weight', () => {
    const path = enrolmentAt([{ ...publicIdentity(siteA), weight: 7 }]);
    const auth = new DeviceAuth({ coordinatorKey, sealUpdates: true, enrolment: new Enrolment(path) });
    const authenticate = auth.authenticator({ ...proven(auth), weight: 7 });
    const { manifest, payload } = encodeTensors([{ name: 'w', shape: [2], data: new Float32Array([1, 2]) }]);
    const plain: UpdateMessage = {
      protocolVersion: PROTOCOL_VERSION,
      runId: 'r',
      round: 1,
      clientId: 'site-a',
      numExamples: 1e9,
      manifest,
      payload,
    };
    const sealed = sealPayload(payload, coordinatorKey.publicKey, sealAssociatedData('r', 1, 'site-a'));
    const sealedMessage = {
      ...plain,
      payload: sealed.ciphertext,
      sealed: { ephemeralKey: b64(sealed.ephemeralKey), nonce: b64(sealed.nonce) },
    };
    const sign = (m: UpdateMessage) => ({ ...m, signature: b64(signMessage(answerSigningBytes('fit', m), siteA.signing.secretKey)) });

    const accepted = authenticate('fit', sign(sealedMessage));
    expect(Buffer.from(accepted.payload).equals(Buffer.from(payload))).toBe(true);
    expect(accepted.numExamples).toBe(7);
    expect(codeOf(() => authenticate('fit', sealedMessage))).toBe('UNSIGNED');
    expect(codeOf(() => authenticate('fit', { ...sign(sealedMessage), numExamples: 1 }))).toBe('BAD_SIGNATURE');
    expect(codeOf(() => authenticate('fit', sign(plain)))).toBe('SEAL_REQUIRED');
    // Sealed for another round: signed correctly, but the ciphertext is bound to round 1.
    const moved = { ...sealedMessage, round: 2 };
    expect(codeOf(() => authenticate('fit', sign(moved)))).toBe('BAD_SEAL');
  });
});
