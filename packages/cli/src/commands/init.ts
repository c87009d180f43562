import { Command } from 'commander';
import { integer } from '../options';

export function initCommand(): Command {
  return new Command('init')
    .description("write an example folder: two sites' CSVs and a coordinator config, patient records with a schema and masking policy")
    .argument('[dir]', 'folder to write (created; must be empty unless --force)', 'cohort-example')
    .option('--seed <n>', 'seed of the generated data', integer(0), 1)
    .option('--force', 'write into a folder that already holds files')
    .addHelpText(
      'after',
      `
Then, in that folder, follow its README.md: a coordinator and two clients on site-a.csv and
site-b.csv, and the masking walk-through on the patients' records. All data is synthetic.`,
    )
    .action(async (dir: string, flags: { seed: number; force?: boolean }) => {
      const { writeExampleFolder } = await import('@cohort/simulations');
      const files = writeExampleFolder(dir, { seed: flags.seed, force: flags.force ?? false });
      process.stdout.write(`wrote ${files.length} files to ${dir}/; next: cd ${dir} and read README.md\n`);
    });
}
