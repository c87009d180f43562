import { Command } from 'commander';
import { accountantCommand } from './commands/accountant';
import { auditCommand } from './commands/audit';
import { clientCommand } from './commands/client';
import { coordinatorCommand } from './commands/coordinator';
import { initCommand } from './commands/init';
import { keygenCommand } from './commands/keygen';
import { maskCommand } from './commands/mask';
import { simulateCommand } from './commands/simulate';

const program = new Command('cohort')
  .description('Cohort: federated learning with privacy tooling')
  .version('0.1.0')
  .showHelpAfterError()
  .addCommand(simulateCommand())
  .addCommand(coordinatorCommand())
  .addCommand(clientCommand())
  .addCommand(accountantCommand())
  .addCommand(auditCommand())
  .addCommand(maskCommand())
  .addCommand(keygenCommand())
  .addCommand(initCommand());

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const e = error as Error & { code?: string };
  process.stderr.write(`cohort: ${e.code ? `${e.code}: ` : ''}${e.message}\n`);
  process.exit(1);
}
