/**
 * The `cohort` command as compiled JavaScript: the workspace sources reachable from src/main.ts,
 * bundled by esbuild into a cache the first time and reused while every input (each bundled source,
 * the package.json files that resolved them, tsconfig.json, this file) keeps the size and mtime it
 * had when the bundle was built. Packages from node_modules stay external, imported by Node as
 * before; `import()` calls become chunks of their own (code splitting), so a command loads only what
 * it runs. A source changed, added to the graph or removed therefore always means a rebuild, never
 * stale code. Without esbuild, or when the build fails, the caller falls back to tsx.
 *
 * Plain JavaScript: it runs before anything could compile TypeScript.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
const ENTRY = fileURLToPath(new URL('../src/main.ts', import.meta.url));
// The simulation's training worker, compiled too: a worker thread started from TypeScript would load
// tsx and keep its transformed sources, some 30 MB a thread (see simulations/src/worker-pool.ts).
const WORKER_ENTRY = fileURLToPath(new URL('../../../simulations/src/worker.ts', import.meta.url));
const THIS_FILE = fileURLToPath(import.meta.url);
// Under the CLI package, so that Node resolves the bundle's external imports as the CLI's own.
const CACHE = fileURLToPath(new URL('../node_modules/.cache/cohort-cli/', import.meta.url));
const MANIFEST = join(CACHE, 'manifest.json');
const MANIFEST_VERSION = 2;
/** Superseded builds are removed only when older than this, in case a long run still imports their chunks. */
const KEEP_OLD_BUILDS_MS = 24 * 3600 * 1000;

/** `[mtimeMs, size]` of a file, or null when it is gone. */
function signature(path) {
  try {
    const s = statSync(path);
    return [s.mtimeMs, s.size];
  } catch {
    return null;
  }
}

/** The bundle's entry URL when the manifest names a build whose inputs are all unchanged. */
function freshBuild() {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(MANIFEST, 'utf8'));
  } catch {
    return null;
  }
  if (manifest?.version !== MANIFEST_VERSION || typeof manifest.build !== 'string') return null;
  for (const [path, recorded] of Object.entries(manifest.inputs ?? {})) {
    const now = signature(resolve(ROOT, path));
    if (now === null || now[0] !== recorded[0] || now[1] !== recorded[1]) return null;
  }
  const main = join(CACHE, manifest.build, 'main.js');
  // A build made without the worker (its source absent) is stale once the source exists, and the other way round.
  if (Boolean(manifest.worker) !== existsSync(WORKER_ENTRY)) return null;
  if (signature(main) === null || (manifest.worker && signature(join(CACHE, manifest.build, 'worker.js')) === null)) return null;
  return pathToFileURL(main).href;
}

/** `import.meta.url` and friends, as the source file itself would see them (worker entries, data files). */
function pinImportMeta(path, source) {
  const url = JSON.stringify(pathToFileURL(path).href);
  return source
    .replace(/\bimport\.meta\.url\b/g, url)
    .replace(/\bimport\.meta\.dirname\b/g, JSON.stringify(dirname(path)))
    .replace(/\bimport\.meta\.filename\b/g, JSON.stringify(path));
}

const LOADERS = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx', '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.jsx': 'jsx' };

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

/**
 * Bundles the workspace sources only: every other bare import (node:, npm packages) stays external.
 * `loaded` receives the hash of each source as it was bundled.
 */
function workspaceOnly(loaded) {
  return {
    name: 'cohort-workspace-only',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@cohort/') ? undefined : { path: args.path, external: true }));
      build.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, (args) => {
        const loader = LOADERS[extname(args.path)];
        if (!loader || args.path.includes('/node_modules/')) return undefined;
        const source = readFileSync(args.path, 'utf8');
        loaded.set(args.path, sha256(source));
        return { contents: pinImportMeta(args.path, source), loader };
      });
    },
  };
}

/**
 * The signature to record for `file`, or null when it may have changed while the bundle was built
 * (then this build is used once but not recorded, and the next run builds again). A bundled source
 * is read again and compared with what was bundled; other inputs (package.json, tsconfig.json),
 * which esbuild reads itself, must be older than the build by a margin wider than a coarse clock.
 */
function unchangedSignature(file, bundledHash, started) {
  const before = signature(file);
  if (before === null) return null;
  if (bundledHash === undefined) return before[0] < started - 1000 ? before : null;
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const after = signature(file);
  const same = after !== null && after[0] === before[0] && after[1] === before[1] && sha256(text) === bundledHash;
  return same ? before : null;
}

/** The nearest package.json above `file` (within the repository). */
function packageJsonOf(file) {
  for (let dir = dirname(file); dir === ROOT || dir.startsWith(ROOT + sep); dir = dirname(dir)) {
    const candidate = join(dir, 'package.json');
    if (signature(candidate) !== null) return candidate;
  }
  return null;
}

function removeSupersededBuilds(current) {
  const now = Date.now();
  for (const name of readdirSync(CACHE)) {
    if (name === current || name === 'manifest.json') continue;
    const path = join(CACHE, name);
    const stat = signature(path);
    if (stat !== null && now - stat[0] > KEEP_OLD_BUILDS_MS) rmSync(path, { recursive: true, force: true });
  }
}

async function build() {
  const esbuild = await import('esbuild');
  mkdirSync(CACHE, { recursive: true });
  const started = Date.now();
  const scratch = mkdtempSync(join(CACHE, 'tmp-'));
  const loaded = new Map();
  // Absent only from a partial copy of the repository (the loader's own tests), which runs no simulation.
  const worker = existsSync(WORKER_ENTRY);
  try {
    const result = await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints: worker ? { main: ENTRY, worker: WORKER_ENTRY } : { main: ENTRY },
      // Every output file knows its own URL, which the sources' pinned import.meta.url no longer
      // gives: the worker pool starts worker.js from beside it.
      banner: { js: 'const __cohortBundleUrl = import.meta.url;' },
      outdir: scratch,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      metafile: true,
      logLevel: 'silent',
      plugins: [workspaceOnly(loaded)],
    });
    const files = Object.keys(result.metafile.inputs).map((p) => resolve(ROOT, p));
    const tracked = new Set([...files, join(ROOT, 'tsconfig.json'), THIS_FILE]);
    for (const file of files) {
      const pkg = packageJsonOf(file);
      if (pkg) tracked.add(pkg);
    }
    const inputs = {};
    let editedDuringBuild = false;
    for (const file of [...tracked].sort()) {
      if (signature(file) === null) continue; // e.g. no tsconfig.json
      const sig = unchangedSignature(file, loaded.get(file), started);
      if (sig === null) editedDuringBuild = true;
      else inputs[relative(ROOT, file)] = sig;
    }
    const id = `build-${sha256(JSON.stringify(inputs)).slice(0, 16)}-${process.pid}`;
    const dir = join(CACHE, id);
    rmSync(dir, { recursive: true, force: true });
    renameSync(scratch, dir);
    if (!editedDuringBuild) {
      const next = join(CACHE, `manifest-${process.pid}.tmp`);
      writeFileSync(next, JSON.stringify({ version: MANIFEST_VERSION, build: id, worker, inputs }));
      renameSync(next, MANIFEST); // atomic: concurrent readers see the old manifest or the new one
      removeSupersededBuilds(id);
    }
    return pathToFileURL(join(dir, 'main.js')).href;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * URL of the compiled CLI's entry, built now when missing or stale; null when it cannot be built
 * (no esbuild, a source that does not compile, a read-only cache), for the caller to use tsx.
 */
export async function compiledCli() {
  const fresh = freshBuild();
  if (fresh !== null) return fresh;
  try {
    return await build();
  } catch {
    return null;
  }
}
