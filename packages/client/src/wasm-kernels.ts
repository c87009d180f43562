/**
 * Kernels that make training on tfjs-backend-wasm 4.22 complete and fast: a Conv2DBackpropFilter it
 * lacks (so that convolutional models train on wasm instead of falling back to the ~50× slower cpu
 * backend), written in plain TypeScript over the wasm heap; and, over its own, an Identity that shares
 * instead of copying and the matrix products of `wasm-matmul.ts`.
 */
import * as tf from './tf';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmProducts } from './wasm-matmul';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

interface Conv2DBackpropFilterAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

/**
 * dW[kr, kc, ci, co] = Σ over batch and output positions of x[b, r·s + kr − pad, c·s + kc − pad, ci]
 * · dy[b, r, c, co], the filter gradient of a 2-D convolution (channels last). Accumulated in
 * float64 as outer products of contiguous channel vectors.
 */
function conv2DBackpropFilter({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const wasm = backend as BackendWasm;
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Conv2DBackpropFilterAttrs;
  if (dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter on wasm supports channels-last (NHWC) data only');
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const {
    batchSize,
    inHeight,
    inWidth,
    inChannels,
    outHeight,
    outWidth,
    outChannels,
    strideHeight,
    strideWidth,
    filterHeight,
    filterWidth,
  } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const xs = wasm.typedArrayFromHeap(x) as Float32Array;
  const dys = wasm.typedArrayFromHeap(dy) as Float32Array;
  const acc = new Float64Array(filterHeight * filterWidth * inChannels * outChannels);
  for (let b = 0; b < batchSize; b++) {
    for (let r = 0; r < outHeight; r++) {
      for (let c = 0; c < outWidth; c++) {
        const dyBase = ((b * outHeight + r) * outWidth + c) * outChannels;
        for (let kr = 0; kr < filterHeight; kr++) {
          const xr = r * strideHeight + kr - top;
          if (xr < 0 || xr >= inHeight) continue;
          for (let kc = 0; kc < filterWidth; kc++) {
            const xc = c * strideWidth + kc - left;
            if (xc < 0 || xc >= inWidth) continue;
            const xBase = ((b * inHeight + xr) * inWidth + xc) * inChannels;
            const wBase = (kr * filterWidth + kc) * inChannels * outChannels;
            for (let ci = 0; ci < inChannels; ci++) {
              const xv = xs[xBase + ci]!;
              if (xv === 0) continue;
              const row = wBase + ci * outChannels;
              for (let co = 0; co < outChannels; co++) acc[row + co]! += xv * dys[dyBase + co]!;
            }
          }
        }
      }
    }
  }
  const out = wasm.makeOutput([...filterShape], 'float32');
  (wasm.typedArrayFromHeap(out) as Float32Array).set(acc);
  return out;
}

/**
 * Identity without a copy. The engine clones every tensor it saves for the backward pass, and the
 * stock wasm Identity copies the data, weight matrices included, on every training step; tensors
 * are immutable, so sharing the data under its reference count (as Reshape does) is enough.
 */
function sharedIdentity({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { x } = inputs as { x: tf.TensorInfo };
  (backend as BackendWasm).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

let registered = false;

/**
 * Registers the kernels above for the wasm backend, once per thread and before the backend is first
 * set (the stock kernels' setup functions run then, and are kept).
 */
export function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
  if (!tf.getKernel('Conv2DBackpropFilter', 'wasm')) {
    tf.registerKernel({
      kernelName: 'Conv2DBackpropFilter',
      backendName: 'wasm',
      kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc,
    });
  }
  const identity = tf.getKernel('Identity', 'wasm');
  if (identity) {
    tf.unregisterKernel('Identity', 'wasm');
    tf.registerKernel({ ...identity, kernelFunc: sharedIdentity as unknown as tf.KernelFunc });
  }
  registerWasmProducts();
}
