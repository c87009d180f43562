import { Command } from 'commander';
import { accountantCommand } from './commands/accountant';
import { auditCommand } from './commands/audit';
import { clientCommand } from './commands/client';
import { coordinatorCommand } from './commands/coordinator';
import { initCommand } from './commands/init';
import { keygenCommand } from './commands/keygen';
import { maskCommand } from './commands/mask';
import { newCommand } from './commands/new';
import { reportCommand } from './commands/report';
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
  .addCommand(initCommand())
  .addCommand(newCommand())
  .addCommand(reportCommand());

/** The catch-all: any error a command throws ends the process with one line on stderr and exit code 1. */
function exitOnError(error: unknown): never {
  const e = error as Error & { code?: string };
  process.stderr.write(`cohort: ${e.code ? `${e.code}: ` : ''}${e.message}\n`);
  process.exit(1);
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  exitOnError(error);
}
