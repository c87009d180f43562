import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { buildTrainable, initBackend } from '@cohort/client';

describe('a model the wasm backend cannot train', () => {
  it('moves this thread to the cpu backend with a warning instead of failing', async () => {
    expect(await initBackend('wasm')).toBe('wasm');
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    // tfjs-backend-wasm 4.22 has no DepthwiseConv2dNativeBackpropFilter kernel.
    const build = async () =>
      tf.sequential({
        layers: [
          tf.layers.depthwiseConv2d({ inputShape: [6, 6, 2], kernelSize: 3 }),
          tf.layers.flatten(),
          tf.layers.dense({ units: 2, activation: 'softmax' }),
        ],
      });
    const model = await buildTrainable(build);
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', onWarning);
    expect(tf.getBackend()).toBe('cpu');
    expect(warnings.join('\n')).toMatch(/wasm backend has no DepthwiseConv2dNativeBackpropFilter kernel/);
    const grads = tf.variableGrads(() => (model.apply(tf.ones([1, 6, 6, 2])) as tf.Tensor).sum() as tf.Scalar);
    expect(Object.keys(grads.grads).length).toBeGreaterThan(0);
  });
});
