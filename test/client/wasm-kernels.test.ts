import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '@cohort/client';

type Case = { batch: number; size: [number, number]; inC: number; outC: number; k: number; stride: number; pad: 'same' | 'valid' };

async function filterGradient(
  backend: string,
  c: Case,
  xv: Float32Array,
  dyShape: number[] | undefined,
  seed: number,
): Promise<{ dw: Float32Array; dyShape: number[] }> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const x = tf.tensor4d(xv, [c.batch, c.size[0], c.size[1], c.inC]);
    const filter = tf.randomNormal([c.k, c.k, c.inC, c.outC], 0, 1, 'float32', seed) as tf.Tensor4D;
    const y = tf.conv2d(x, filter, c.stride, c.pad);
    const upstream = tf.randomNormal(dyShape ?? y.shape, 0, 1, 'float32', seed + 1);
    const dw = tf.grad((f: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, f as tf.Tensor4D, c.stride, c.pad), upstream)))(filter);
    return { dw: dw.dataSync() as Float32Array, dyShape: y.shape };
  });
}

describe('wasm Conv2DBackpropFilter kernel', () => {
  const cases: Case[] = [
    { batch: 2, size: [9, 9], inC: 3, outC: 4, k: 3, stride: 1, pad: 'same' },
    { batch: 3, size: [10, 7], inC: 2, outC: 5, k: 5, stride: 2, pad: 'same' },
    { batch: 1, size: [8, 8], inC: 4, outC: 2, k: 3, stride: 2, pad: 'valid' },
    { batch: 2, size: [28, 28], inC: 1, outC: 8, k: 5, stride: 1, pad: 'same' },
  ];

  it.each(cases)('matches the cpu backend (%o)', async (c) => {
    expect(await initBackend('wasm')).toBe('wasm');
    const xv = Float32Array.from({ length: c.batch * c.size[0] * c.size[1] * c.inC }, (_, i) => Math.sin(i * 12.9898) * 2);
    const cpu = await filterGradient('cpu', c, xv, undefined, 3);
    const wasm = await filterGradient('wasm', c, xv, cpu.dyShape, 3);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    expect(wasm.dw.length).toBe(cpu.dw.length);
    const scale = Math.max(...cpu.dw.map(Math.abs));
    cpu.dw.forEach((v, i) => expect(Math.abs(wasm.dw[i]! - v)).toBeLessThan(1e-5 * scale + 1e-6));
  });
});
