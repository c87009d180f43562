import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, ProtocolError, encodeTensors, handshakeSchema, parseMessage, updateSchema } from '@cohort/protocol';

const { manifest, payload } = encodeTensors([{ name: 'w', shape: [2], data: new Float32Array([1, 2]) }]);
const valid = {
  protocolVersion: PROTOCOL_VERSION,
  runId: 'run-1',
  round: 3,
  clientId: 'c1',
  numExamples: 10,
  metrics: { loss: 0.5, accuracy: 0.8 },
  manifest,
  payload,
};

function reject(value: unknown): ProtocolError {
  try {
    parseMessage(updateSchema, value, 'round:update');
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    return error as ProtocolError;
  }
  throw new Error('expected a rejection');
}

describe('message validation', () => {
  it('accepts a well-formed update', () => {
    expect(parseMessage(updateSchema, valid, 'round:update').round).toBe(3);
  });

  it('validates every field, not only the tag, and names the bad one', () => {
    expect(reject({ ...valid, numExamples: -1 }).message).toMatch(/numExamples/);
    expect(reject({ ...valid, metrics: { loss: 0.5, accuracy: 2 } }).message).toMatch(/metrics\.accuracy/);
    expect(reject({ ...valid, payload: [1, 2, 3] }).message).toMatch(/payload/);
    expect(reject({ ...valid, manifest: [{ ...manifest[0], shape: [-1] }] }).message).toMatch(/manifest\.0\.shape/);
    expect(reject({ ...valid, extra: true }).code).toBe('INVALID_MESSAGE');
    expect(reject({ ...valid, clientId: 'has space' }).message).toMatch(/clientId/);
    expect(reject(null).code).toBe('INVALID_MESSAGE');
  });

  it('refuses another protocol version, naming both', () => {
    const error = reject({ ...valid, protocolVersion: PROTOCOL_VERSION + 1 });
    expect(error.code).toBe('VERSION_MISMATCH');
    expect(error.message).toContain(`version ${PROTOCOL_VERSION}`);
    expect(error.message).toContain(`version ${PROTOCOL_VERSION + 1}`);
    expect(() => parseMessage(handshakeSchema, { protocolVersion: 99, clientId: 'x' }, 'handshake')).toThrow(/speaks version 99/);
  });
});
