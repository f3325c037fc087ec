import { runService } from '@steward/runtime';
import { routerService } from './service.js';

await runService(routerService);
