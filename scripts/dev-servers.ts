/**
 * `npm run servers`: starts a local RabbitMQ and a MongoDB-compatible server (Testcontainers when
 * Docker answers and has or can pull the images, else the local rabbitmq-server and ferretdb
 * programs), prints the variables to point the platform at them, and keeps them up until Ctrl-C.
 * The test suites use the same code (test/servers.ts), and so the same TEST_BACKENDS,
 * RABBITMQ_IMAGE and MONGO_IMAGE.
 */
import { provisionBackends } from '../test/servers.ts';

const provisioned = await provisionBackends().catch((err: Error) => {
  process.stderr.write(`npm run servers: ${err.message}\n`);
  process.exit(1);
});
const { backends, teardown } = provisioned;
process.stdout.write(
  [
    `servers up (${backends.origin})`,
    '',
    `export MONGO_URL='${backends.mongoUrl}'`,
    `export AMQP_URL='${backends.amqpUrl}'`,
    '',
    'then: npm start    (Ctrl-C here stops the servers)',
    '',
  ].join('\n'),
);
const stop = async () => {
  await teardown();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
setInterval(() => {}, 1 << 30);
