import { runService } from '@platform/shared/runtime';
import { shoppingService } from './service.ts';

await runService(shoppingService, process.env);
