import { Command } from 'commander';

export function keygenCommand(): Command {
  return new Command('keygen')
    .description('make a device identity: an ed25519 signing key and an X25519 key, for enrolment on a coordinator')
    .requiredOption('--out <dir>', 'directory for the identity (created with mode 0700; device.key 0600, device.json public)')
    .option('--id <id>', 'client id bound to the key (default: derived from the key)')
    .addHelpText(
      'after',
      `
Prints the device's enrolment entry on stdout. Add it to the coordinator's enrolment file:
  { "devices": [ { "id": "site-a", "signingKey": "…", "boxKey": "…" } ] }
optionally with "weight": N to fix the FedAvg weight of its updates, then run
  cohort client --identity DIR …      and      cohort coordinator --enrol devices.json …
An existing identity is never replaced.`,
    )
    .action(async (flags: { out: string; id?: string }) => {
      const { generateDeviceIdentity, publicIdentity, writeDeviceIdentity } = await import('@cohort/privacy/identity');
      const identity = generateDeviceIdentity(flags.id);
      writeDeviceIdentity(flags.out, identity);
      identity.signing.secretKey.fill(0);
      identity.box.secretKey.fill(0);
      process.stdout.write(`${JSON.stringify(publicIdentity(identity))}\n`);
    });
}
