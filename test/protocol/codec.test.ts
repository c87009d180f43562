import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ProtocolError, contiguousFloat32, decodeTensors, encodeTensors, findNonFinite, specsOf, type NamedTensor } from '@cohort/protocol';

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

describe('decoding without copies', () => {
  it('reads an aligned payload in place, and the values are the ones encoded', () => {
    const weights = [
      { name: 'k', shape: [3], data: new Float32Array([0.25, -1, 3e38]) },
      { name: 'b', shape: [2], data: new Int32Array([-7, 2 ** 30]) },
    ];
    const { manifest, payload } = encodeTensors(weights);
    const [k, b] = decodeTensors(manifest, payload, { ...unbounded, expected: specsOf(weights) });
    expect([...k!.data]).toEqual([0.25, -1, Math.fround(3e38)]);
    expect([...b!.data]).toEqual([-7, 2 ** 30]);
    expect(k!.data.buffer).toBe(payload.buffer);
  });
});

describe('findNonFinite', () => {
  const tensor = (name: string, values: number[]): NamedTensor => ({ name, shape: [values.length], data: Float32Array.from(values) });

  it('names the tensor and the index of the first NaN or infinity', () => {
    const clean = tensor('a', [0, -0, 1e-45, -3.4e38, 7]);
    expect(findNonFinite([clean])).toBeUndefined();
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(findNonFinite([clean, tensor('b', [1, 2, bad, bad])])).toEqual({ tensor: 'b', index: 2 });
    }
  });

  it('agrees with a value-by-value scan on any float32 array', () => {
    fc.assert(
      fc.property(fc.float32Array({ maxLength: 64 }), (values) => {
        const index = values.findIndex((v) => !Number.isFinite(v));
        expect(findNonFinite([{ name: 't', shape: [values.length], data: values }])).toEqual(
          index < 0 ? undefined : { tensor: 't', index },
        );
      }),
    );
  });

  it('ignores integer tensors', () => {
    expect(findNonFinite([{ name: 'i', shape: [1], data: new Int32Array([-1]) }])).toBeUndefined();
  });
});

describe('encoding without copies', () => {
  it('sends tensors that lie one after another in one buffer as that memory, and copies any others', () => {
    const model = new Float32Array([1, 2, 3, 4, 5]);
    const views = [
      { name: 'k', shape: [2, 2], data: model.subarray(0, 4) },
      { name: 'b', shape: [1], data: model.subarray(4) },
    ];
    const inPlace = encodeTensors(views);
    expect(inPlace.payload.buffer).toBe(model.buffer);
    const decoded = decodeTensors(inPlace.manifest, inPlace.payload, { ...unbounded, expected: specsOf(views) });
    expect(decoded.map((t) => [...t.data])).toEqual([[1, 2, 3, 4], [5]]);

    const outOfOrder = encodeTensors([views[1]!, views[0]!]);
    const separate = encodeTensors([views[0]!, { name: 'b', shape: [1], data: Float32Array.of(5) }]);
    for (const { payload } of [outOfOrder, separate]) expect(payload.buffer).not.toBe(model.buffer);
    expect(decodeTensors(outOfOrder.manifest, outOfOrder.payload, unbounded).map((t) => [...t.data])).toEqual([[5], [1, 2, 3, 4]]);
  });

  it('makes zeroed tensors in that layout (contiguousFloat32), which are then sent as they are', () => {
    const [k, empty, b] = contiguousFloat32([4, 0, 1]);
    expect([k!.length, empty!.length, b!.length]).toEqual([4, 0, 1]);
    expect([...k!, ...b!]).toEqual([0, 0, 0, 0, 0]);
    k!.set([1, 2, 3, 4]);
    b![0] = 5;
    const { payload } = encodeTensors([
      { name: 'k', shape: [2, 2], data: k! },
      { name: 'e', shape: [0], data: empty! },
      { name: 'b', shape: [1], data: b! },
    ]);
    expect(payload.buffer).toBe(k!.buffer);
    expect([...new Float32Array(payload.buffer, payload.byteOffset, payload.byteLength / 4)]).toEqual([1, 2, 3, 4, 5]);
  });
});
