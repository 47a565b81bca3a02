import { runService } from '@platform/shared/runtime';
import customer from './service.ts';

await runService(customer, process.env);
