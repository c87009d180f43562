/**
 * Chooses the fastest TensorFlow.js backend this machine has: tfjs-node (native libtensorflow, an
 * optional dependency) if it installed, else WebAssembly, else the pure-JS cpu backend.
 */
import * as tf from '@tensorflow/tfjs';

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
    }
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}
