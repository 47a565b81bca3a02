import { runService } from '@platform/shared/runtime';
import shopping from './service.ts';

await runService(shopping, process.env);
