/**
 * Loads the app of `cohort simulate --app DIR`: DIR/cohort.app.ts (or .js, .mjs), compiled on the fly
 * by tsx. Its imports of @cohort/* and @tensorflow/* fall back to this installation's packages, so an
 * app folder needs no `npm install` of its own.
 */
import { existsSync } from 'node:fs';
import { register } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CohortApp } from '@cohort/simulations';

export const APP_FILES = ['cohort.app.ts', 'cohort.app.js', 'cohort.app.mjs'] as const;

let hooked = false;

export async function loadApp(dir: string): Promise<{ app: CohortApp; path: string }> {
  const path = APP_FILES.map((name) => resolve(dir, name)).find((p) => existsSync(p));
  if (!path) throw new Error(`--app ${dir}: no ${APP_FILES.join(', ')} there; \`cohort new NAME\` writes a project to start from.`);
  if (!hooked) {
    register(new URL('./app-resolve-hooks.mjs', import.meta.url), { data: { parentURL: import.meta.url } });
    hooked = true;
  }
  const [{ tsImport }, { checkApp }] = await Promise.all([import('tsx/esm/api'), import('@cohort/simulations')]);
  const exported: unknown = await tsImport(pathToFileURL(path).href, import.meta.url);
  return { app: checkApp(exported, join(dir, path.slice(resolve(dir).length + 1))), path };
}
