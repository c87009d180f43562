import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { setHeapGrowth } from '@cohort/coordinator';

const run = promisify(execFile);

/**
 * The growth factor V8 applies after a full collection in a fresh process that calls
 * setHeapGrowth(percent), as V8 itself reports it (--trace-gc-verbose): proof that the flag exists
 * under that name (V8 only warns about one it does not know) and is taken at run time.
 */
async function factorAfter(percent: number): Promise<string> {
  const script = `import { setHeapGrowth } from '@cohort/coordinator/heap-growth';
    setHeapGrowth(${percent});
    const kept = Array.from({ length: 200000 }, (_, i) => ({ i }));
    globalThis.gc();
    process.stdout.write(String(kept.length));`;
  const { stdout } = await run(
    process.execPath,
    ['--expose-gc', '--trace-gc-verbose', '--import', 'tsx', '--input-type=module', '-e', script],
    { cwd: process.cwd(), maxBuffer: 16 * 1024 * 1024 },
  );
  const limits = [...stdout.matchAll(/\[HeapController\] Limit: .*\((\d+\.\d)\)$/gm)].map((m) => m[1]);
  expect(limits.length).toBeGreaterThan(0);
  return limits.at(-1)!;
}

describe('setHeapGrowth', () => {
  it("sets V8's growth factor after a full collection to 1 + percent/100", async () => {
    expect(await factorAfter(200)).toBe('3.0');
    expect(await factorAfter(50)).toBe('1.5');
  }, 60_000);

  it('takes an integer percentage from 0 (V8 estimates) to 900, and refuses others naming the range', () => {
    for (const bad of [-1, 1.5, 901, Number.NaN]) expect(() => setHeapGrowth(bad)).toThrow(/integer percentage from 0 .* to 900/);
    // Back to V8's own estimate: a valid setting, and what this process had.
    expect(() => setHeapGrowth(0)).not.toThrow();
  });
});
