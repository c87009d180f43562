/**
 * Matrix products for tfjs-backend-wasm 4.22 that steer clear of its two slow paths:
 *
 * - a transposed operand: its BatchMatMul then falls back to a scalar loop, 7–18× slower than the
 *   XNNPACK GEMM it uses otherwise (the dense layer's backward pass, dx = dy·Wᵀ and dW = xᵀ·dy,
 *   asks for exactly that);
 * - a right-hand operand B it has not seen before: XNNPACK first packs B into its own layout, about
 *   five times the cost of transposing it, and a training step meets every weight matrix afresh
 *   because the weights change every step.
 *
 * So a product with batch size 1 is computed as A·B or as (Bᵀ·Aᵀ)ᵀ, whichever moves fewer elements
 * (B is assumed fresh, as in training), and a transposed operand is materialised by the backend's
 * Transpose kernel first; the GEMM itself is always the backend's untransposed BatchMatMul.
 */
import * as tf from './tf';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** Packing one element of B for XNNPACK, relative to transposing one element (~10 ns vs ~2 ns measured). */
const PACK_COST = 5;

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };
type Activation = 'linear' | 'relu' | 'relu6' | 'prelu' | 'leakyrelu' | 'sigmoid' | 'elu';

const ACTIVATION_KERNELS: Record<Exclude<Activation, 'linear'>, string> = {
  relu: 'Relu',
  relu6: 'Relu6',
  prelu: 'Prelu',
  leakyrelu: 'LeakyRelu',
  sigmoid: 'Sigmoid',
  elu: 'Elu',
};

function wasmKernel(name: string): tf.KernelConfig {
  const config = tf.getKernel(name, 'wasm');
  if (!config) throw new Error(`the wasm backend has no ${name} kernel`);
  return config;
}

/** Runs kernels on one backend and frees the intermediate results it did not hand out. */
class Scratch {
  private readonly temporaries: tf.TensorInfo[] = [];

  constructor(private readonly backend: BackendWasm) {}

  run(kernel: tf.KernelConfig | string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): tf.TensorInfo {
    const config = typeof kernel === 'string' ? wasmKernel(kernel) : kernel;
    const out = config.kernelFunc({ inputs, backend: this.backend, attrs }) as tf.TensorInfo;
    this.temporaries.push(out);
    return out;
  }

  swapLastTwo(x: tf.TensorInfo): tf.TensorInfo {
    const perm = x.shape.map((_, i) => i);
    perm.push(...perm.splice(-2).reverse());
    return this.run('Transpose', { x }, { perm });
  }

  /** Frees every intermediate but `result`, and returns it. */
  finish(result: tf.TensorInfo): tf.TensorInfo {
    for (const t of this.temporaries) if (t !== result) this.backend.disposeData(t.dataId);
    return result;
  }

  abandon(): void {
    for (const t of this.temporaries) this.backend.disposeData(t.dataId);
  }
}

interface Product {
  a: tf.TensorInfo;
  b: tf.TensorInfo;
  transposeA: boolean;
  transposeB: boolean;
}

/** Whether (Bᵀ·Aᵀ)ᵀ costs less than A·B: transposes plus packing of the right-hand operand. */
function flipIsCheaper({ a, b, transposeA, transposeB }: Product): boolean {
  if (batchSize(a) !== 1 || batchSize(b) !== 1) return false;
  const sizeA = a.shape.at(-1)! * a.shape.at(-2)!;
  const sizeB = b.shape.at(-1)! * b.shape.at(-2)!;
  const m = transposeA ? a.shape.at(-1)! : a.shape.at(-2)!;
  const n = transposeB ? b.shape.at(-2)! : b.shape.at(-1)!;
  const direct = (transposeA ? sizeA : 0) + (transposeB ? sizeB : 0) + PACK_COST * sizeB;
  const flipped = (transposeB ? 0 : sizeB) + (transposeA ? 0 : sizeA) + PACK_COST * sizeA + m * n;
  return flipped < direct;
}

function batchSize(x: tf.TensorInfo): number {
  return x.shape.slice(0, -2).reduce((p, d) => p * d, 1);
}

/** A·B (operands transposed as asked) through untransposed calls of the stock BatchMatMul only. */
function product(scratch: Scratch, stock: tf.KernelConfig, p: Product): tf.TensorInfo {
  const plain = { transposeA: false, transposeB: false };
  if (flipIsCheaper(p)) {
    const left = p.transposeB ? p.b : scratch.swapLastTwo(p.b);
    const right = p.transposeA ? p.a : scratch.swapLastTwo(p.a);
    return scratch.swapLastTwo(scratch.run(stock, { a: left, b: right }, plain));
  }
  const a = p.transposeA ? scratch.swapLastTwo(p.a) : p.a;
  const b = p.transposeB ? scratch.swapLastTwo(p.b) : p.b;
  return scratch.run(stock, { a, b }, plain);
}

function batchMatMul(stock: tf.KernelConfig): tf.KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args as KernelArgs;
    const p = { ...(inputs as { a: tf.TensorInfo; b: tf.TensorInfo }), ...(attrs as { transposeA: boolean; transposeB: boolean }) };
    if (!p.transposeA && !p.transposeB && !flipIsCheaper(p)) return stock.kernelFunc(args);
    const scratch = new Scratch(backend as BackendWasm);
    try {
      return scratch.finish(product(scratch, stock, p));
    } catch (error) {
      scratch.abandon();
      throw error;
    }
  };
}

/**
 * _FusedMatMul (what dense layers call): A·B + bias, then the activation. When the product is
 * flipped or an operand transposed, the bias and activation run as their own kernels; the stock
 * kernel also adds the bias at the wrong places when given transposed operands.
 */
function fusedMatMul(stock: tf.KernelConfig, stockProduct: tf.KernelConfig): tf.KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args as KernelArgs;
    const { a, b, bias, preluActivationWeights } = inputs as Record<string, tf.TensorInfo | undefined>;
    const { transposeA, transposeB, activation, leakyreluAlpha } = attrs as {
      transposeA: boolean;
      transposeB: boolean;
      activation: Activation;
      leakyreluAlpha?: number;
    };
    const p = { a: a!, b: b!, transposeA, transposeB };
    const supported = activation === 'linear' || activation in ACTIVATION_KERNELS;
    if (!supported || (!transposeA && !transposeB && !flipIsCheaper(p))) return stock.kernelFunc(args);
    const scratch = new Scratch(backend as BackendWasm);
    try {
      let out = product(scratch, stockProduct, p);
      if (bias) out = scratch.run('Add', { a: out, b: bias });
      if (activation === 'prelu') out = scratch.run('Prelu', { x: out, alpha: preluActivationWeights! });
      else if (activation === 'leakyrelu') out = scratch.run('LeakyRelu', { x: out }, { alpha: leakyreluAlpha ?? 0.2 });
      else if (activation !== 'linear') out = scratch.run(ACTIVATION_KERNELS[activation], { x: out });
      return scratch.finish(out);
    } catch (error) {
      scratch.abandon();
      throw error;
    }
  };
}

/** Registers the two product kernels over the backend's own (whose setup functions are kept). */
export function registerWasmProducts(): void {
  const stockProduct = wasmKernel('BatchMatMul');
  const stockFused = wasmKernel('_FusedMatMul');
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({ ...stockProduct, kernelFunc: batchMatMul(stockProduct) });
  tf.unregisterKernel('_FusedMatMul', 'wasm');
  tf.registerKernel({ ...stockFused, kernelFunc: fusedMatMul(stockFused, stockProduct) });
}
