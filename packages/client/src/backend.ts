/**
 * Chooses the fastest TensorFlow.js backend this machine has: tfjs-node (native libtensorflow, an
 * optional dependency) if it installed, else WebAssembly, else the pure-JS cpu backend.
 */
import * as tf from './tf';
import { registerWasmKernels } from './wasm-kernels';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

let chosen: Promise<BackendName> | undefined;

/** Initialises a backend once per thread and returns its name. */
export function initBackend(preferred?: BackendName): Promise<BackendName> {
  chosen ??= choose(preferred);
  return chosen;
}

async function choose(preferred?: BackendName): Promise<BackendName> {
  const order: BackendName[] = preferred ? [preferred, 'wasm', 'cpu'] : ['tensorflow', 'wasm', 'cpu'];
  for (const name of order) {
    if (await tryBackend(name)) return name;
  }
  throw new Error('no TensorFlow.js backend could be initialised');
}

async function tryBackend(name: BackendName): Promise<boolean> {
  try {
    if (name === 'tensorflow') {
      const nativeModule = '@tensorflow/tfjs-node';
      await import(nativeModule);
    } else if (name === 'wasm') {
      await import('@tensorflow/tfjs-backend-wasm');
      registerWasmKernels();
    }
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

/**
 * Builds a model and checks that the active backend can compute its gradients. tfjs-backend-wasm
 * 4.22 lacks some gradient kernels (we add Conv2DBackpropFilter, but not e.g. the depthwise ones);
 * for such a model this thread falls back to the cpu backend, with a process warning, rather than
 * failing a round.
 */
export async function buildTrainable(build: () => Promise<tf.LayersModel>): Promise<tf.LayersModel> {
  const model = await build();
  const missing = missingGradientKernel(model);
  if (!missing) return model;
  const from = tf.getBackend();
  model.dispose();
  await tf.setBackend('cpu');
  process.emitWarning(
    `the ${from} backend has no ${missing} kernel, which training this model needs; this thread now uses the cpu backend`,
  );
  return build();
}

function missingGradientKernel(model: tf.LayersModel): string | undefined {
  try {
    tf.tidy(() => {
      const input = tf.zeros(model.inputs[0]!.shape.map((d) => d ?? 1));
      tf.variableGrads(() => tf.sum(model.apply(input) as tf.Tensor) as tf.Scalar);
    });
    return undefined;
  } catch (error) {
    const match = /Kernel '(\w+)' not registered/.exec((error as Error).message);
    if (match) return match[1];
    throw error;
  }
}
