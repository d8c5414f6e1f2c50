// A worker process that dies without warning (SIGKILL) right after an SMTP server has accepted an
// e-mail and the acceptance is recorded — the point where a retry used to send the e-mail again.
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../../config.js';
import { connect } from '../../db/client.js';
import { createChannels } from '../../channels/create-channels.js';
import { createWorker } from '../../worker/create-worker.js';

const config = loadConfig();
const sql = connect(config.databaseUrl!);
const connection = await NativeConnection.connect({ address: config.temporalAddress! });
const worker = await createWorker({
  connection,
  namespace: config.temporalNamespace,
  taskQueue: config.taskQueue,
  deps: { sql, ...createChannels(config), afterEmailAccepted: () => process.kill(process.pid, 'SIGKILL') },
});
console.log(`polling task queue ${config.taskQueue}`);
await worker.run();
