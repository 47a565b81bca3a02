import { runService } from '@platform/shared/runtime';
import { productsService } from './service.ts';

await runService(productsService, process.env);
