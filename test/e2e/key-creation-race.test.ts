import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from '../helpers/federation';

const run = promisify(execFile);

describe('the ledger-signing key', () => {
  it('is created exactly once when several processes start on an empty key directory at the same moment', async () => {
    const dir = join(tempDir(), 'keys');
    const script = `import { readOrCreateKeyPair, publicKeyToText } from '@cohort/privacy'; process.stdout.write(publicKeyToText(readOrCreateKeyPair(${JSON.stringify(dir)}).publicKey));`;
    const outputs = await Promise.all(
      Array.from({ length: 4 }, () =>
        run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: process.cwd() }),
      ),
    );
    const keys = new Set(outputs.map((o) => o.stdout));
    expect(keys.size).toBe(1);
    expect(readdirSync(dir).sort()).toEqual(['coordinator.key', 'coordinator.pub']);
  }, 60_000);
});
