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
import { exitCodeOf } from './exit-codes';

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

/** The catch-all: any error a command throws ends the process with one line on stderr and its exit code (exit-codes.ts). */
function exitOnError(error: unknown): never {
  const e = error as Error & { code?: string };
  process.stderr.write(`cohort: ${e.code ? `${e.code}: ` : ''}${e.message}\n`);
  process.exit(exitCodeOf(error));
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  exitOnError(error);
}
