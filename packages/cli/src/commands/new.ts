import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { integer } from '../options';

const TEMPLATE = fileURLToPath(new URL('../../templates/experiment', import.meta.url));

export function newCommand(): Command {
  return new Command('new')
    .description(
      'write an experiment project: a custom model, dataset loader and strategy in TypeScript, run by `cohort simulate --app DIR`',
    )
    .argument('<dir>', 'folder of the new project (created; must not hold files)')
    .option('--seed <n>', 'seed of the generated data/data.csv', integer(0), 1)
    .action(async (dir: string, flags: { seed: number }) => {
      if (existsSync(dir) && readdirSync(dir).length > 0) throw new Error(`${dir} already holds files; choose a new folder.`);
      const { syntheticCsv } = await import('@cohort/simulations');
      mkdirSync(join(dir, 'data'), { recursive: true });
      cpSync(TEMPLATE, dir, { recursive: true });
      writeFileSync(join(dir, 'data', 'data.csv'), syntheticCsv({ seed: flags.seed, count: 3000, numFeatures: 8, numClasses: 3 }));
      const name = basename(resolve(dir))
        .toLowerCase()
        .replace(/[^a-z0-9._-]+/g, '-');
      const project = { name, private: true, type: 'module', scripts: { simulate: 'cohort simulate --app .' } };
      writeFileSync(join(dir, 'package.json'), `${JSON.stringify(project, null, 2)}\n`);
      process.stdout.write(
        `wrote ${dir}/: cohort.app.ts, src/{dataset,model,strategy}.ts, data/data.csv; run it with: npx cohort simulate --app ${dir}\n`,
      );
    });
}
