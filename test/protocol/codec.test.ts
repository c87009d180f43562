import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ProtocolError, decodeTensors, encodeTensors, specsOf, type NamedTensor } from '@cohort/protocol';

const tensorArb = fc
  .record({
    shape: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 0, maxLength: 4 }),
    dtype: fc.constantFrom('float32', 'int32', 'uint32'),
    name: fc.string({ minLength: 1, maxLength: 20 }),
  })
  .chain(({ shape, dtype, name }) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const values =
      dtype === 'float32'
        ? fc.float32Array({ minLength: n, maxLength: n })
        : dtype === 'int32'
          ? fc.int32Array({ minLength: n, maxLength: n })
          : fc.uint32Array({ minLength: n, maxLength: n });
    return values.map((data): NamedTensor => ({ name, shape, data }));
  });

const unbounded = { maxBytes: Number.MAX_SAFE_INTEGER, maxTensors: 1000 };

describe('tensor codec', () => {
  it('round-trips any list of tensors bit for bit (NaN payloads, -0 included)', () => {
    fc.assert(
      fc.property(fc.array(tensorArb, { maxLength: 6 }), (tensors) => {
        const { manifest, payload } = encodeTensors(tensors);
        const decoded = decodeTensors(manifest, payload, { ...unbounded, expected: specsOf(tensors) });
        expect(decoded.map((t) => [t.name, t.shape])).toEqual(tensors.map((t) => [t.name, t.shape]));
        decoded.forEach((t, i) => {
          expect(t.data.constructor).toBe(tensors[i]!.data.constructor);
          expect(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)).toEqual(
            Buffer.from(tensors[i]!.data.buffer, tensors[i]!.data.byteOffset, tensors[i]!.data.byteLength),
          );
        });
      }),
    );
  });

  it('writes one contiguous little-endian buffer with a manifest of offsets', () => {
    const { manifest, payload } = encodeTensors([
      { name: 'a', shape: [2], data: new Float32Array([1, -2]) },
      { name: 'b', shape: [1], data: new Int32Array([258]) },
    ]);
    expect(manifest).toEqual([
      { name: 'a', shape: [2], dtype: 'float32', offset: 0 },
      { name: 'b', shape: [1], dtype: 'int32', offset: 8 },
    ]);
    expect([...payload.subarray(8)]).toEqual([2, 1, 0, 0]);
    expect(new DataView(payload.buffer).getFloat32(4, true)).toBe(-2);
  });

  it('decodes from an unaligned view without aliasing it', () => {
    const { manifest, payload } = encodeTensors([{ name: 'w', shape: [3], data: new Float32Array([0.5, 1.5, 2.5]) }]);
    const shifted = new Uint8Array(payload.byteLength + 1);
    shifted.set(payload, 1);
    const [t] = decodeTensors(manifest, shifted.subarray(1), unbounded);
    expect([...t!.data]).toEqual([0.5, 1.5, 2.5]);
    shifted.fill(0);
    expect([...t!.data]).toEqual([0.5, 1.5, 2.5]);
  });

  const model = [
    { name: 'k', shape: [2, 2], data: new Float32Array(4) },
    { name: 'b', shape: [2], data: new Float32Array(2) },
  ];

  function rejection(fn: () => unknown): string {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(ProtocolError);
      return (error as ProtocolError).code;
    }
    throw new Error('expected a rejection');
  }

  it('rejects shapes that differ from the model, naming the tensor', () => {
    const wrong = encodeTensors([{ name: 'k', shape: [4], data: new Float32Array(4) }, model[1]!]);
    expect(rejection(() => decodeTensors(wrong.manifest, wrong.payload, { ...unbounded, expected: specsOf(model) }))).toBe(
      'SHAPE_MISMATCH',
    );
    const missing = encodeTensors([model[0]!]);
    expect(rejection(() => decodeTensors(missing.manifest, missing.payload, { ...unbounded, expected: specsOf(model) }))).toBe(
      'SHAPE_MISMATCH',
    );
  });

  it('enforces the byte and tensor-count bounds', () => {
    const { manifest, payload } = encodeTensors(model);
    expect(rejection(() => decodeTensors(manifest, payload, { maxBytes: payload.byteLength - 1, maxTensors: 10 }))).toBe('TOO_LARGE');
    expect(rejection(() => decodeTensors(manifest, payload, { maxBytes: 1e9, maxTensors: 1 }))).toBe('TOO_MANY_TENSORS');
  });

  it('rejects payloads that do not match their manifest', () => {
    const { manifest, payload } = encodeTensors(model);
    const longer = new Uint8Array(payload.byteLength + 4);
    expect(rejection(() => decodeTensors(manifest, longer, unbounded))).toBe('INVALID_MESSAGE');
    expect(rejection(() => decodeTensors(manifest, payload.subarray(4), unbounded))).toBe('INVALID_MESSAGE');
    const overlapping = manifest.map((e) => ({ ...e, offset: 0 }));
    expect(rejection(() => decodeTensors(overlapping, payload, unbounded))).toBe('INVALID_MESSAGE');
  });
});
