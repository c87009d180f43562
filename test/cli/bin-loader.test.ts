/**
 * packages/cli/bin: the `cohort` command runs a compiled bundle of the sources, built on first use
 * and rebuilt whenever a source changes. The staleness and fallback cases run the real loader in a
 * scratch copy of the repository layout (a tiny src/main.ts), so that no shared source is touched.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { COHORT_BIN } from '../helpers/processes';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

async function node(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, args, { timeout: 50_000 });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

describe('cohort bin: the compiled CLI', () => {
  it('prints the same help, errors and exit codes as the TypeScript sources run through tsx', async () => {
    const viaTsx = (...args: string[]) => node('--import', 'tsx', join(ROOT, 'packages/cli/src/main.ts'), ...args);
    for (const args of [['--help'], ['accountant', '--help'], ['accountant', '--sample-rate', '2']]) {
      const [compiled, sources] = await Promise.all([node(COHORT_BIN, ...args), viaTsx(...args)]);
      expect(compiled, args.join(' ')).toEqual(sources);
    }
  });
});

describe('cohort bin: the bundle cache (in a scratch copy of the layout)', () => {
  const repo = mkdtempSync(join(tmpdir(), 'cohort-bin-'));
  const bin = join(repo, 'packages/cli/bin/cohort.js');
  const cache = join(repo, 'packages/cli/node_modules/.cache/cohort-cli');
  const source = (name: string) => join(repo, 'packages/cli/src', name);
  const past = (seconds: number) => new Date(Date.now() - seconds * 1000);
  /** Writes a file dated in the past, as if edited before the command ran. */
  const write = (path: string, text: string, secondsAgo: number) => {
    writeFileSync(path, text);
    utimesSync(path, past(secondsAgo), past(secondsAgo));
  };
  const builds = () => readdirSync(cache).filter((name) => name.startsWith('build-'));

  cpSync(join(ROOT, 'packages/cli/bin'), join(repo, 'packages/cli/bin'), { recursive: true, preserveTimestamps: true });
  mkdirSync(join(repo, 'packages/cli/src/lib'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(repo, 'node_modules'));
  write(join(repo, 'package.json'), '{ "type": "module" }\n', 60);
  write(join(repo, 'packages/cli/package.json'), '{ "type": "module" }\n', 60);
  write(join(repo, 'tsconfig.json'), '{}\n', 60);
  write(
    source('main.ts'),
    `import { message } from './lib/message';\nconst here: string = new URL('.', import.meta.url).pathname;\nconsole.log(message(), here);\n`,
    60,
  );
  write(source('lib/message.ts'), `export const message = (): string => 'first';\n`, 60);
  mkdirSync(join(repo, 'simulations/src'), { recursive: true });
  write(
    join(repo, 'simulations/src/worker.ts'),
    `import { message } from '../../packages/cli/src/lib/message';\nconsole.log('worker', message());\n`,
    60,
  );
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it('builds once, reuses the build while nothing changed, and rebuilds when a source changes', async () => {
    const first = await node(bin);
    expect(first.stdout.trim()).toBe(`first ${join(repo, 'packages/cli/src/')}`); // import.meta.url is the source's own
    expect(builds()).toHaveLength(1);
    // The simulation's training worker is compiled beside the CLI, from the same sources.
    expect((await node(join(cache, builds()[0]!, 'worker.js'))).stdout.trim()).toBe('worker first');
    expect((await node(bin)).stdout).toBe(first.stdout);
    expect(builds()).toHaveLength(1);

    write(source('lib/message.ts'), `export const message = (): string => 'second, edited';\n`, 30);
    expect((await node(bin)).stdout).toMatch(/^second, edited /);
    expect(builds()).toHaveLength(2);
    const manifest = JSON.parse(readFileSync(join(cache, 'manifest.json'), 'utf8')) as { inputs: Record<string, unknown> };
    expect(Object.keys(manifest.inputs)).toEqual(
      expect.arrayContaining(['packages/cli/src/main.ts', 'packages/cli/src/lib/message.ts', 'packages/cli/package.json', 'tsconfig.json']),
    );
  });

  it('falls back to tsx when the bundle cannot be written', async () => {
    rmSync(cache, { recursive: true, force: true });
    writeFileSync(cache, 'not a directory');
    write(source('lib/message.ts'), `export const message = (): string => 'through tsx';\n`, 20);
    const result = await node(bin);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^through tsx /);
    rmSync(cache);
  });
});
