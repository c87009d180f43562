/**
 * TensorFlow.js as this package uses it: the core, the Layers API and the pure-JS cpu backend (the
 * last fallback), without the `@tensorflow/tfjs` union's WebGL backend, converter and data API,
 * which Node never uses and which cost every training thread some 15 MB of heap. The wasm backend
 * and tfjs-node are loaded on demand by ./backend.
 */
import '@tensorflow/tfjs-backend-cpu';

export * from '@tensorflow/tfjs-core';
export * from '@tensorflow/tfjs-layers';
