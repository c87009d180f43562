// A federation in one process: a coordinator and two clients on the CSVs of `cohort init DIR`.
// Run it with: node --import tsx examples/federation-in-code.ts DIR
import { join } from 'node:path';
import { Coordinator } from '@cohort/coordinator';
import { LocalTrainer, createClient, holdOut, initBackend, initialModel, loadCsvTable, loadSavedModel } from '@cohort/client';

const dir = process.argv[2] ?? 'cohort-example';
await initBackend(); // tfjs-node if installed, else wasm, else cpu
const model = await initialModel('mlp', { numFeatures: 10, numClasses: 2 }, /* seed */ 1);
const coordinator = new Coordinator({
  rounds: 5,
  minClients: 2,
  dbPath: join(dir, 'in-code.db'),
  model,
  fit: { localEpochs: 1, batchSize: 16, learningRate: 0.1 },
});
const url = await coordinator.start();
const clients = await Promise.all(
  ['site-a', 'site-b'].map(async (site) => {
    const table = await loadCsvTable(join(dir, `${site}.csv`), { label: 'label' });
    const { train, evaluation } = holdOut(table, 0.2, /* seed */ 1); // evaluation: rows held out on the site
    return createClient({ serverUrl: url, clientId: site, trainer: new LocalTrainer({ train, evaluation }) });
  }),
);
const outcome = await coordinator.runRounds(); // { status: 'finished', finalEvaluation: { accuracy, … }, … }
console.log(`${outcome.status}: accuracy ${outcome.finalEvaluation?.accuracy.toFixed(3)} after ${outcome.lastRound} rounds`);
coordinator.saveModel(join(dir, 'in-code-model'));
await Promise.all(clients.map((client) => client.finished)); // a client closes itself when the run ends
await coordinator.close();

const trained = await loadSavedModel(join(dir, 'in-code-model')); // a tf.LayersModel, on any backend
console.log(`saved model: ${trained.countParams()} parameters`);
