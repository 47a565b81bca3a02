import { runService } from '@platform/shared/runtime';
import products from './service.ts';

await runService(products, process.env);
