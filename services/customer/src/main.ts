import { runService } from '@platform/shared/runtime';
import { customerService } from './service.ts';

await runService(customerService, process.env);
