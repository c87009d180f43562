#!/usr/bin/env node
// Runs the CLI compiled to JavaScript (built on first use, rebuilt whenever a source changes; see
// compiled-cli.js), so that a command starts without compiling TypeScript; a fresh checkout needs
// no build step. When it cannot be compiled, the TypeScript sources run through tsx as before.
import { compiledCli } from './compiled-cli.js';

const compiled = await compiledCli();
if (compiled !== null) {
  await import(compiled);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/main.ts');
}
