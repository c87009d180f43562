/**
 * The loops the coordinator runs over every value of every update, as WebAssembly SIMD kernels (V8
 * does not vectorise typed-array loops): the magnitude checks of update validation and of a new
 * model (finite values; weights within a bound), FedAvg's float64 sums — checked for finite values
 * as they are added, when a round streams its updates in — and the mean step that turns them into
 * the new model. A kernel works on blocks copied into its own memory (a copy is far
 * cheaper than a scalar loop), so an update's buffer can stay where the socket put it.
 *
 * `addWeighted`: per element, each product w_k·Δ_k[i] is rounded to float64 and added to the sum in
 * k order — the IEEE operations of the plain loop `sums[i] += w * delta[i]`, two lanes at a time
 * (WebAssembly never fuses a multiply and an add), so the sums are the same bit for bit. Up to eight
 * deltas' blocks are copied in at once and added in one pass, sixteen sums at a time held in
 * registers: eight independent chains of additions, where one chain would wait on each addition.
 *
 * `meanStep`: out[i] = global[i] + sums[i] / total, in float64 and rounded to float32 once — the
 * plain loop `out[i] = global[i] + sums[i] / total` on a Float32Array, the same bit for bit.
 */

/** Values per block: 64 KiB of float64 sums, and 32 KiB of float32 values per delta, in the kernels' memory. */
const BLOCK = 8192;
/** Deltas added in one pass over a block of sums. */
const DELTAS_PER_PASS = 8;
const SUMS_AT = 0;
const VALUES_AT = BLOCK * 8;
const VALUES_STRIDE = BLOCK * 4;
const WEIGHTS_AT = VALUES_AT + DELTAS_PER_PASS * VALUES_STRIDE;
const PAGES = Math.ceil((WEIGHTS_AT + DELTAS_PER_PASS * 8) / 65536);
/** The largest finite float32: |x| ≤ it exactly when x is finite. */
const LARGEST_FLOAT32 = 3.4028234663852886e38;

interface KernelExports {
  memory: { buffer: ArrayBuffer };
  /**
   * sums[i] += w_j·values_j[i] for j < deltas (at least 1), in j order, for i < count (a multiple of
   * 16): sums at `sumsAt`, values_j at valuesAt + j·stride, the float64 weights w_j at weightsAt.
   */
  addScaled(sumsAt: number, valuesAt: number, count: number, deltas: number, weightsAt: number, stride: number): void;
  /** 1 when the magnitude of each of `count` float32 values (a multiple of 4) is at most the float32 whose bits are `boundBits`, else 0 (NaN never is). */
  allWithin(valuesAt: number, count: number, boundBits: number): number;
  /** out[i] = f32(f64(global[i]) + sums[i] / total) for i < count (a multiple of 4). */
  meanStep(globalAt: number, sumsAt: number, outAt: number, count: number, total: number): void;
}

interface Kernels {
  exports: KernelExports;
  sums: Float64Array;
  /** One block of float32 values per delta of a pass. */
  values: Float32Array[];
  weights: Float64Array;
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
  const { buffer } = exports.memory;
  instance = {
    exports,
    sums: new Float64Array(buffer, SUMS_AT, BLOCK),
    values: Array.from({ length: DELTAS_PER_PASS }, (_, j) => new Float32Array(buffer, VALUES_AT + j * VALUES_STRIDE, BLOCK)),
    weights: new Float64Array(buffer, WEIGHTS_AT, DELTAS_PER_PASS),
  };
  return instance;
}

/** Whether no value of the arrays is NaN or ±Infinity. */
export function allFinite(arrays: readonly Float32Array[]): boolean {
  return allWithinMagnitude(arrays, LARGEST_FLOAT32);
}

/**
 * Whether every value of the arrays has a magnitude of at most `bound`: never for NaN, and for
 * ±Infinity only under an infinite bound.
 * @throws RangeError when `bound` is not a non-negative float32 value
 */
export function allWithinMagnitude(arrays: readonly Float32Array[], bound: number): boolean {
  if (!(bound >= 0) || Math.fround(bound) !== bound)
    throw new RangeError(`a magnitude bound must be a non-negative float32 value, got ${bound}`);
  const boundBits = bitsOf(bound);
  const k = kernels();
  for (const data of arrays) {
    for (let start = 0; start < data.length; start += BLOCK) {
      const block = data.subarray(start, start + BLOCK);
      k.values[0]!.set(block);
      if (!blockWithin(k, 0, block, bound, boundBits)) return false;
    }
  }
  return true;
}

/** The bits of a non-negative float32, as the kernel compares them (+0 for −0, whose sign bit would make them negative). */
function bitsOf(bound: number): number {
  return new Int32Array(Float32Array.of(Math.abs(bound)).buffer)[0]!;
}

const FINITE_BITS = bitsOf(LARGEST_FLOAT32);

/** Whether every magnitude of the block just copied into values[j] is at most `bound` (whose bits are `boundBits`). */
function blockWithin(k: Kernels, j: number, block: Float32Array, bound: number, boundBits: number): boolean {
  const vectorised = block.length - (block.length % 4);
  if (vectorised > 0 && k.exports.allWithin(VALUES_AT + j * VALUES_STRIDE, vectorised, boundBits) === 0) return false;
  // One comparison per value: false for NaN as for magnitudes beyond the bound.
  for (let i = vectorised; i < block.length; i++) if (!(Math.abs(block[i]!) <= bound)) return false;
  return true;
}

/**
 * sums[i] += Σ_k weights[k]·deltas[k][i], k in order, each product and each sum rounded to float64
 * as `sums[i] += weights[k] * deltas[k][i]` would round them.
 */
export function addWeighted(sums: Float64Array, deltas: readonly Float32Array[], weights: readonly number[]): void {
  addBlocks(sums, deltas, weights, sums, false);
}

/**
 * out[i] = sums[i] + Σ_k weights[k]·deltas[k][i], as addWeighted adds, when every value of every delta
 * is finite; each block of a delta is checked in the kernels' memory just before it is added, so the
 * check costs no pass over the delta of its own. Returns -1 then, or else the index of a delta with a
 * value that is NaN or ±Infinity: `out` is then partly written, and `sums` is never written.
 */
export function addWeightedIfFinite(
  sums: Float64Array,
  deltas: readonly Float32Array[],
  weights: readonly number[],
  out: Float64Array,
): number {
  if (out === sums || out.length !== sums.length) throw new RangeError('addWeightedIfFinite needs a separate output as long as the sums');
  return addBlocks(sums, deltas, weights, out, true);
}

function addBlocks(
  sums: Float64Array,
  deltas: readonly Float32Array[],
  weights: readonly number[],
  out: Float64Array,
  check: boolean,
): number {
  if (deltas.length !== weights.length) throw new RangeError(`${deltas.length} deltas but ${weights.length} weights`);
  for (const d of deltas) {
    if (d.length !== sums.length) throw new RangeError(`a delta of ${d.length} values cannot be added to ${sums.length} sums`);
  }
  const k = kernels();
  for (let start = 0; start < sums.length; start += BLOCK) {
    const length = Math.min(BLOCK, sums.length - start);
    const vectorised = length - (length % 16);
    k.sums.set(sums.subarray(start, start + length));
    for (let first = 0; first < deltas.length; first += DELTAS_PER_PASS) {
      const pass = Math.min(DELTAS_PER_PASS, deltas.length - first);
      for (let j = 0; j < pass; j++) {
        const block = deltas[first + j]!.subarray(start, start + length);
        k.values[j]!.set(block);
        if (check && !blockWithin(k, j, block, LARGEST_FLOAT32, FINITE_BITS)) return first + j;
        k.weights[j] = weights[first + j]!;
      }
      if (vectorised > 0) k.exports.addScaled(SUMS_AT, VALUES_AT, vectorised, pass, WEIGHTS_AT, VALUES_STRIDE);
      for (let i = vectorised; i < length; i++) {
        for (let j = 0; j < pass; j++) k.sums[i]! += k.weights[j]! * k.values[j]![i]!;
      }
    }
    out.set(k.sums.subarray(0, length), start);
  }
  return -1;
}

/** out[i] = global[i] + sums[i] / total, in float64, rounded to float32 once (into `out`). */
export function meanStep(global: Float32Array, sums: Float64Array, total: number, out: Float32Array): void {
  if (sums.length !== global.length || out.length !== global.length)
    throw new RangeError(`meanStep needs equal lengths, got ${global.length} weights, ${sums.length} sums and ${out.length} outputs`);
  const k = kernels();
  const [globalBlock, outBlock] = [k.values[0]!, k.values[1]!];
  for (let start = 0; start < global.length; start += BLOCK) {
    const length = Math.min(BLOCK, global.length - start);
    const vectorised = length - (length % 4);
    globalBlock.set(global.subarray(start, start + length));
    k.sums.set(sums.subarray(start, start + length));
    if (vectorised > 0) k.exports.meanStep(VALUES_AT, SUMS_AT, VALUES_AT + VALUES_STRIDE, vectorised, total);
    for (let i = vectorised; i < length; i++) outBlock[i] = globalBlock[i]! + k.sums[i]! / total;
    out.set(outBlock.subarray(0, length), start);
  }
}

/**
 * The module, encoded by hand (it is small, and no assembler is needed at build time):
 *
 *   (memory (export "memory") PAGES)
 *   (func (export "addScaled") (param $s i32) (param $d i32) (param $n i32) (param $m i32) (param $w i32) (param $stride i32)
 *     (local $end i32) (local $p i32) (local $wp i32) (local $wend i32) (local $v v128) (local $W v128) (local $s0 v128) … (local $s7 v128)
 *     (local.set $end (i32.add (local.get $s) (i32.shl (local.get $n) (i32.const 3))))     ;; 8 bytes per sum
 *     (local.set $wend (i32.add (local.get $w) (i32.shl (local.get $m) (i32.const 3))))
 *     (block (br_if 0 (i32.ge_u (local.get $s) (local.get $end)))
 *       (loop                                                                              ;; 16 values at a time
 *         (local.set $s0 (v128.load (local.get $s))) … (local.set $s7 (v128.load offset=112 (local.get $s)))
 *         (local.set $p (local.get $d))
 *         (local.set $wp (local.get $w))
 *         (loop                                                                            ;; each delta, in order
 *           (local.set $W (v128.load64_splat (local.get $wp)))
 *           ;; for q in 0…3: 4 float32 values at p + 16q into the sums s(2q) (low two) and s(2q+1) (high two)
 *           (local.set $v (v128.load offset=16q (local.get $p)))
 *           (local.set $s(2q) (f64x2.add (local.get $s(2q)) (f64x2.mul (f64x2.promote_low_f32x4 (local.get $v)) (local.get $W))))
 *           (local.set $s(2q+1) (f64x2.add (local.get $s(2q+1))
 *             (f64x2.mul (f64x2.promote_low_f32x4 (i8x16.shuffle 8..15 0..7 (local.get $v) (local.get $v))) (local.get $W))))
 *           (local.set $p (i32.add (local.get $p) (local.get $stride)))
 *           (br_if 0 (i32.lt_u (local.tee $wp (i32.add (local.get $wp) (i32.const 8))) (local.get $wend))))
 *         (v128.store (local.get $s) (local.get $s0)) … (v128.store offset=112 (local.get $s) (local.get $s7))
 *         (local.set $d (i32.add (local.get $d) (i32.const 64)))
 *         (br_if 0 (i32.lt_u (local.tee $s (i32.add (local.get $s) (i32.const 128))) (local.get $end))))))
 *   (func (export "allWithin") (param $d i32) (param $n i32) (param $boundBits i32) (result i32)
 *     (local $bad v128) (local $magnitude v128) (local $bound v128) (local $end i32)
 *     (local.set $magnitude (i32x4.splat (i32.const 0x7fffffff)))                            ;; clears the sign bit
 *     (local.set $bound (i32x4.splat (local.get $boundBits)))
 *     (local.set $end (i32.add (local.get $d) (i32.shl (local.get $n) (i32.const 2))))
 *     (block (br_if 0 (i32.ge_u (local.get $d) (local.get $end)))
 *       (loop     ;; |x|'s bits, as integers, order as |x| does; NaN and ±Infinity lie above every finite bound
 *         (local.set $bad (v128.or (local.get $bad)
 *           (i32x4.gt_s (v128.and (v128.load (local.get $d)) (local.get $magnitude)) (local.get $bound))))
 *         (br_if 0 (i32.lt_u (local.tee $d (i32.add (local.get $d) (i32.const 16))) (local.get $end)))))
 *     (i32.eqz (v128.any_true (local.get $bad))))
 *   (func (export "meanStep") (param $g i32) (param $s i32) (param $o i32) (param $n i32) (param $total f64)
 *     (local $end i32) (local $T v128) (local $v v128) (local $low v128)
 *     (local.set $T (f64x2.splat (local.get $total)))
 *     (local.set $end (i32.add (local.get $g) (i32.shl (local.get $n) (i32.const 2))))
 *     (block (br_if 0 (i32.ge_u (local.get $g) (local.get $end)))
 *       (loop
 *         (local.set $v (v128.load (local.get $g)))
 *         (local.set $low (f32x4.demote_f64x2_zero
 *           (f64x2.add (f64x2.promote_low_f32x4 (local.get $v)) (f64x2.div (v128.load (local.get $s)) (local.get $T)))))
 *         (v128.store (local.get $o) (i8x16.shuffle 0..7 16..23 (local.get $low) (f32x4.demote_f64x2_zero
 *           (f64x2.add (f64x2.promote_low_f32x4 (i8x16.shuffle 8..15 0..7 (local.get $v) (local.get $v)))
 *             (f64x2.div (v128.load offset=16 (local.get $s)) (local.get $T))))))
 *         (local.set $o (i32.add (local.get $o) (i32.const 16)))
 *         (local.set $s (i32.add (local.get $s) (i32.const 32)))
 *         (br_if 0 (i32.lt_u (local.tee $g (i32.add (local.get $g) (i32.const 16))) (local.get $end))))))
 */
function kernelModule(): Uint8Array {
  const get = (i: number) => [0x20, i];
  const set = (i: number) => [0x21, i];
  const tee = (i: number) => [0x22, i];
  const simd = (op: number) => [0xfd, ...leb(op)];
  const load = (offset: number) => [...simd(0x00), 2, offset];
  const store = (offset: number) => [...simd(0x0b), 2, offset];
  const load64Splat = [...simd(0x0a), 3, 0];
  const i32 = (value: number) => [0x41, ...sleb(value)];
  const [ADD_I32, SHL_I32, GE_U, LT_U, EQZ, BLOCK_OP, LOOP, BR_IF, END, VOID] = [
    0x6a, 0x74, 0x4f, 0x49, 0x45, 0x02, 0x03, 0x0d, 0x0b, 0x40,
  ];
  const [V128, I32, F64] = [0x7b, 0x7f, 0x7c];
  /** end = p + n·2^shift, then the loop over [p, end) unless it is empty. */
  // biome-ignore format: instruction groups
  const loopOver = (p: number, n: number, shift: number, end: number, body: number[]) => [
    ...get(p), ...get(n), ...i32(shift), SHL_I32, ADD_I32, ...set(end),
    BLOCK_OP, VOID, ...get(p), ...get(end), GE_U, BR_IF, 0,
    LOOP, VOID, ...body, END, END,
  ];
  const advance = (p: number, bytes: number) => [...get(p), ...i32(bytes), ADD_I32, ...set(p)];
  const [promoteLow, demoteZero] = [simd(0x5f), simd(0x5e)];
  const [mul, add, div, splatF64, splatI32] = [simd(0xf2), simd(0xf0), simd(0xf3), simd(0x14), simd(0x11)];
  const highToLow = [...simd(0x0d), 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];
  const lowHalves = [...simd(0x0d), 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];

  // addScaled: parameters $s $d $n $m $w $stride, locals $end $p $wp $wend $v $W, then the sums $s0…$s7.
  const [S, D, N, M, WS, STRIDE, END_S, P, WP, WEND, V, W, SUM] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const GROUPS = [0, 1, 2, 3];
  // biome-ignore format: one instruction group per line reads as the text above
  const addScaled = [
    2, 4, I32, 10, V128,
    ...get(WS), ...get(M), ...i32(3), SHL_I32, ADD_I32, ...set(WEND),
    ...loopOver(S, N, 3, END_S, [
      ...GROUPS.flatMap((q) => [...get(S), ...load(32 * q), ...set(SUM + 2 * q), ...get(S), ...load(32 * q + 16), ...set(SUM + 2 * q + 1)]),
      ...get(D), ...set(P),
      ...get(WS), ...set(WP),
      LOOP, VOID,
        ...get(WP), ...load64Splat, ...set(W),
        ...GROUPS.flatMap((q) => [
          ...get(P), ...load(16 * q), ...set(V),
          ...get(SUM + 2 * q), ...get(V), ...promoteLow, ...get(W), ...mul, ...add, ...set(SUM + 2 * q),
          ...get(SUM + 2 * q + 1), ...get(V), ...get(V), ...highToLow, ...promoteLow, ...get(W), ...mul, ...add, ...set(SUM + 2 * q + 1),
        ]),
        ...get(P), ...get(STRIDE), ADD_I32, ...set(P),
        ...get(WP), ...i32(8), ADD_I32, ...tee(WP), ...get(WEND), LT_U, BR_IF, 0,
      END,
      ...GROUPS.flatMap((q) => [...get(S), ...get(SUM + 2 * q), ...store(32 * q), ...get(S), ...get(SUM + 2 * q + 1), ...store(32 * q + 16)]),
      ...advance(D, 64),
      ...get(S), ...i32(128), ADD_I32, ...tee(S), ...get(END_S), LT_U, BR_IF, 0,
    ]),
    END,
  ];

  // allWithin: parameters $d $n $boundBits, locals $bad $magnitude $bound $end.
  const [P_W, COUNT, BOUND_BITS, BAD, MAGNITUDE, BOUND, END_W] = [0, 1, 2, 3, 4, 5, 6];
  const [and, or, gtS, anyTrue] = [simd(0x4e), simd(0x50), simd(0x3b), simd(0x53)];
  // biome-ignore format: one instruction group per line reads as the text above
  const allWithin = [
    2, 3, V128, 1, I32,
    ...i32(0x7fffffff), ...splatI32, ...set(MAGNITUDE),
    ...get(BOUND_BITS), ...splatI32, ...set(BOUND),
    ...loopOver(P_W, COUNT, 2, END_W, [
      ...get(BAD), ...get(P_W), ...load(0), ...get(MAGNITUDE), ...and, ...get(BOUND), ...gtS, ...or, ...set(BAD),
      ...get(P_W), ...i32(16), ADD_I32, ...tee(P_W), ...get(END_W), LT_U, BR_IF, 0,
    ]),
    ...get(BAD), ...anyTrue, EQZ,
    END,
  ];

  // meanStep: parameters $g $s $o $n $total, locals $end $T $v $low.
  const [G, S_M, O, N_M, TOTAL, END_M, T, V_M, LOW] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  // biome-ignore format: one instruction group per line reads as the text above
  const meanStep = [
    2, 1, I32, 3, V128,
    ...get(TOTAL), ...splatF64, ...set(T),
    ...loopOver(G, N_M, 2, END_M, [
      ...get(G), ...load(0), ...set(V_M),
      ...get(V_M), ...promoteLow, ...get(S_M), ...load(0), ...get(T), ...div, ...add, ...demoteZero, ...set(LOW),
      ...get(O), ...get(LOW),
      ...get(V_M), ...get(V_M), ...highToLow, ...promoteLow, ...get(S_M), ...load(16), ...get(T), ...div, ...add, ...demoteZero,
      ...lowHalves, ...store(0),
      ...advance(O, 16),
      ...advance(S_M, 32),
      ...get(G), ...i32(16), ADD_I32, ...tee(G), ...get(END_M), LT_U, BR_IF, 0,
    ]),
    END,
  ];

  const section = (id: number, content: number[]) => [id, ...leb(content.length), ...content];
  const name = (text: string) => [text.length, ...Array.from(text, (c) => c.charCodeAt(0))];
  const code = (body: number[]) => [...leb(body.length), ...body];
  const FUNC = 0x60;
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    // types: 0 = (i32 ×6) → (), 1 = (i32 ×3) → i32, 2 = (i32 ×4, f64) → ()
    // biome-ignore format: one type per line
    ...section(1, [
      3,
      FUNC, 6, I32, I32, I32, I32, I32, I32, 0,
      FUNC, 3, I32, I32, I32, 1, I32,
      FUNC, 5, I32, I32, I32, I32, F64, 0,
    ]),
    ...section(3, [3, 0, 1, 2]),
    ...section(5, [1, 0x00, PAGES]),
    ...section(7, [
      4,
      ...name('addScaled'),
      0x00,
      0,
      ...name('allWithin'),
      0x00,
      1,
      ...name('meanStep'),
      0x00,
      2,
      ...name('memory'),
      0x02,
      0,
    ]),
    ...section(10, [3, ...code(addScaled), ...code(allWithin), ...code(meanStep)]),
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
