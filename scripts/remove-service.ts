/**
 * `npm run remove:service -- <name>`: takes a service out again: its folder, its place in every
 * generated file and in package-lock.json. Its data, queues and AWS resources are not touched
 * here: Terraform removes the AWS side on the next apply (docs/ARCHITECTURE.md, "Removing a
 * service").
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeGenerated } from './generate.ts';
import { serviceNames, servicesDir } from './lib/services.ts';
import { linkWorkspaces } from './new-service.ts';

const name = process.argv[2];
if (!name || name === 'shared' || !serviceNames().includes(name) || !existsSync(join(servicesDir, name))) {
  process.stderr.write(`usage: npm run remove:service -- <name>; services: ${serviceNames().join(', ')}\n`);
  process.exit(2);
}
rmSync(join(servicesDir, name), { recursive: true, force: true });
process.stdout.write(`removed services/${name}\n`);
await writeGenerated();
linkWorkspaces();
