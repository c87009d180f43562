/**
 * The two loops the coordinator runs over every value of every update, as WebAssembly SIMD kernels
 * (V8 does not vectorise typed-array loops): the finite-values check of update validation, and
 * FedAvg's float64 sums. A kernel works on blocks copied into its own memory (a copy is far cheaper
 * than a scalar loop), so the update's buffer can stay where the socket put it.
 *
 * `addWeighted`: per element, each product w_k·Δ_k[i] is rounded to float64 and added to the sum in
 * k order — the IEEE operations of the plain loop `sums[i] += w * delta[i]`, two lanes at a time
 * (WebAssembly never fuses a multiply and an add), so the sums are the same bit for bit. A block of
 * sums is copied in once per call and every delta's block is added to it while it stays in cache.
 */

/** Values per block: 128 KiB of float64 sums and 64 KiB of float32 values in the kernels' memory. */
const BLOCK = 16384;
const SUMS_AT = 0;
const VALUES_AT = BLOCK * 8;
const PAGES = Math.ceil((BLOCK * 12) / 65536);

interface KernelExports {
  memory: { buffer: ArrayBuffer };
  /** sums[i] += w·values[i] for i < count (a multiple of 4), at these byte addresses of memory. */
  addScaled(sumsAt: number, valuesAt: number, count: number, w: number): void;
  /** 1 when none of `count` float32 values (a multiple of 4) is NaN or ±Infinity, else 0. */
  allFinite(valuesAt: number, count: number): number;
}

interface Kernels {
  exports: KernelExports;
  sums: Float64Array;
  values: Float32Array;
}

// lib ES2022 has no WebAssembly types; these two constructors are all this file uses.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: KernelExports };
}

let instance: Kernels | undefined;

function kernels(): Kernels {
  if (instance) return instance;
  const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  const { exports } = new wasm.Instance(new wasm.Module(kernelModule()));
  instance = {
    exports,
    sums: new Float64Array(exports.memory.buffer, SUMS_AT, BLOCK),
    values: new Float32Array(exports.memory.buffer, VALUES_AT, BLOCK),
  };
  return instance;
}

/** Whether no value of the arrays is NaN or ±Infinity. */
export function allFinite(arrays: readonly Float32Array[]): boolean {
  const k = kernels();
  for (const data of arrays) {
    for (let start = 0; start < data.length; start += BLOCK) {
      const block = data.subarray(start, start + BLOCK);
      const vectorised = block.length - (block.length % 4);
      k.values.set(block);
      if (k.exports.allFinite(VALUES_AT, vectorised) === 0) return false;
      for (let i = vectorised; i < block.length; i++) if (!Number.isFinite(block[i]!)) return false;
    }
  }
  return true;
}

/**
 * sums[i] += Σ_k weights[k]·deltas[k][i], k in order, each product and each sum rounded to float64
 * as `sums[i] += weights[k] * deltas[k][i]` would round them.
 */
export function addWeighted(sums: Float64Array, deltas: readonly Float32Array[], weights: readonly number[]): void {
  if (deltas.length !== weights.length) throw new RangeError(`${deltas.length} deltas but ${weights.length} weights`);
  for (const d of deltas) {
    if (d.length !== sums.length) throw new RangeError(`a delta of ${d.length} values cannot be added to ${sums.length} sums`);
  }
  const k = kernels();
  for (let start = 0; start < sums.length; start += BLOCK) {
    const length = Math.min(BLOCK, sums.length - start);
    const vectorised = length - (length % 4);
    k.sums.set(sums.subarray(start, start + length));
    for (let j = 0; j < deltas.length; j++) {
      const w = weights[j]!;
      const delta = deltas[j]!.subarray(start, start + length);
      k.values.set(delta);
      k.exports.addScaled(SUMS_AT, VALUES_AT, vectorised, w);
      for (let i = vectorised; i < length; i++) k.sums[i]! += w * delta[i]!;
    }
    sums.set(k.sums.subarray(0, length), start);
  }
}

/**
 * The module, encoded by hand (it is small, and no assembler is needed at build time):
 *
 *   (memory (export "memory") PAGES)
 *   (func (export "addScaled") (param $s i32) (param $d i32) (param $n i32) (param $w f64)
 *     (local $W v128) (local $v v128) (local $end i32)
 *     (local.set $W (f64x2.splat (local.get $w)))
 *     (local.set $end (i32.add (local.get $d) (i32.shl (local.get $n) (i32.const 2))))
 *     (block (br_if 0 (i32.ge_u (local.get $d) (local.get $end)))
 *       (loop
 *         (local.set $v (v128.load (local.get $d)))                     ;; 4 float32 values
 *         (v128.store (local.get $s) (f64x2.add (v128.load (local.get $s))
 *           (f64x2.mul (f64x2.promote_low_f32x4 (local.get $v)) (local.get $W))))
 *         (v128.store offset=16 (local.get $s) (f64x2.add (v128.load offset=16 (local.get $s))
 *           (f64x2.mul (f64x2.promote_low_f32x4 (i8x16.shuffle 8..15 0..7 (local.get $v) (local.get $v))) (local.get $W))))
 *         (local.set $s (i32.add (local.get $s) (i32.const 32)))
 *         (br_if 0 (i32.lt_u (local.tee $d (i32.add (local.get $d) (i32.const 16))) (local.get $end))))))
 *   (func (export "allFinite") (param $d i32) (param $n i32) (result i32)
 *     (local $bad v128) (local $exponent v128) (local $end i32)
 *     (local.set $exponent (i32x4.splat (i32.const 0x7f800000)))          ;; all-ones exponent: NaN, ±Inf
 *     (local.set $end (i32.add (local.get $d) (i32.shl (local.get $n) (i32.const 2))))
 *     (block (br_if 0 (i32.ge_u (local.get $d) (local.get $end)))
 *       (loop
 *         (local.set $bad (v128.or (local.get $bad)
 *           (i32x4.eq (v128.and (v128.load (local.get $d)) (local.get $exponent)) (local.get $exponent))))
 *         (br_if 0 (i32.lt_u (local.tee $d (i32.add (local.get $d) (i32.const 16))) (local.get $end)))))
 *     (i32.eqz (v128.any_true (local.get $bad))))
 */
function kernelModule(): Uint8Array {
  const get = (i: number) => [0x20, i];
  const set = (i: number) => [0x21, i];
  const tee = (i: number) => [0x22, i];
  const simd = (op: number) => [0xfd, ...leb(op)];
  const load = (offset: number) => [...simd(0x00), 2, offset];
  const store = (offset: number) => [...simd(0x0b), 2, offset];
  const i32 = (value: number) => [0x41, ...sleb(value)];
  const [ADD_I32, SHL_I32, GE_U, LT_U, EQZ, BLOCK_OP, LOOP, BR_IF, END, VOID] = [
    0x6a, 0x74, 0x4f, 0x49, 0x45, 0x02, 0x03, 0x0d, 0x0b, 0x40,
  ];
  const [V128, I32] = [0x7b, 0x7f];
  /** end = p + n·4, then the loop over [p, end) unless it is empty. */
  // biome-ignore format: instruction groups
  const loopOver = (p: number, n: number, end: number, body: number[]) => [
    ...get(p), ...get(n), ...i32(2), SHL_I32, ADD_I32, ...set(end),
    BLOCK_OP, VOID, ...get(p), ...get(end), GE_U, BR_IF, 0,
    LOOP, VOID, ...body, END, END,
  ];

  // addScaled: parameters $s $d $n $w, locals $W $v $end.
  const [S, D, N, W_IN, W, V, SCALED_END] = [0, 1, 2, 3, 4, 5, 6];
  const promoteLow = simd(0x5f);
  const [mul, add] = [simd(0xf2), simd(0xf0)];
  const highToLow = [...simd(0x0d), 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];
  // biome-ignore format: one instruction group per line reads as the text above
  const addScaled = [
    2, 2, V128, 1, I32,
    ...get(W_IN), ...simd(0x14), ...set(W),
    ...loopOver(D, N, SCALED_END, [
      ...get(D), ...load(0), ...set(V),
      ...get(S), ...get(S), ...load(0), ...get(V), ...promoteLow, ...get(W), ...mul, ...add, ...store(0),
      ...get(S), ...get(S), ...load(16), ...get(V), ...get(V), ...highToLow, ...promoteLow, ...get(W), ...mul, ...add, ...store(16),
      ...get(S), ...i32(32), ADD_I32, ...set(S),
      ...get(D), ...i32(16), ADD_I32, ...tee(D), ...get(SCALED_END), LT_U, BR_IF, 0,
    ]),
    END,
  ];

  // allFinite: parameters $d $n, locals $bad $exponent $end.
  const [P, COUNT, BAD, EXPONENT, FINITE_END] = [0, 1, 2, 3, 4];
  const [and, or, eq, anyTrue] = [simd(0x4e), simd(0x50), simd(0x37), simd(0x53)];
  // biome-ignore format: one instruction group per line reads as the text above
  const allFinite = [
    2, 2, V128, 1, I32,
    ...i32(0x7f800000), ...simd(0x11), ...set(EXPONENT),
    ...loopOver(P, COUNT, FINITE_END, [
      ...get(BAD), ...get(P), ...load(0), ...get(EXPONENT), ...and, ...get(EXPONENT), ...eq, ...or, ...set(BAD),
      ...get(P), ...i32(16), ADD_I32, ...tee(P), ...get(FINITE_END), LT_U, BR_IF, 0,
    ]),
    ...get(BAD), ...anyTrue, EQZ,
    END,
  ];

  const section = (id: number, content: number[]) => [id, ...leb(content.length), ...content];
  const name = (text: string) => [text.length, ...Array.from(text, (c) => c.charCodeAt(0))];
  const code = (body: number[]) => [...leb(body.length), ...body];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    // types: 0 = (i32, i32, i32, f64) → (), 1 = (i32, i32) → i32
    ...section(1, [2, 0x60, 4, I32, I32, I32, 0x7c, 0, 0x60, 2, I32, I32, 1, I32]),
    ...section(3, [2, 0, 1]),
    ...section(5, [1, 0x00, PAGES]),
    ...section(7, [3, ...name('addScaled'), 0x00, 0, ...name('allFinite'), 0x00, 1, ...name('memory'), 0x02, 0]),
    ...section(10, [2, ...code(addScaled), ...code(allFinite)]),
  ]);
}

/** Unsigned LEB128. */
function leb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer (i32.const). */
function sleb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) return [...out, byte];
    out.push(byte | 0x80);
  }
}
