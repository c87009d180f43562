/**
 * A certificate authority made by the test itself with the openssl command (.ci/run installs it): a
 * CA, and a server certificate it signs for 127.0.0.1 and localhost. Nothing here is trusted by the
 * system, so only a client given this CA accepts the server.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './federation';

export interface TestPki {
  dir: string;
  caPath: string;
  ca: string;
  certPath: string;
  cert: string;
  keyPath: string;
  key: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A fresh CA and a server certificate signed by it (P-256, valid one day). */
export function makeTestPki(name = 'Cohort test CA'): TestPki {
  const dir = tempDir('cohort-pki-');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', `/CN=${name}`], dir);
  openssl(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost'], dir);
  writeFileSync(join(dir, 'san.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.crt',
      '-days',
      '1',
      '-extfile',
      'san.cnf',
    ],
    dir,
  );
  const read = (file: string) => readFileSync(join(dir, file), 'utf8');
  return {
    dir,
    caPath: join(dir, 'ca.crt'),
    ca: read('ca.crt'),
    certPath: join(dir, 'server.crt'),
    cert: read('server.crt'),
    keyPath: join(dir, 'server.key'),
    key: read('server.key'),
  };
}
