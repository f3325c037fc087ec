import { runService } from '@steward/runtime';
import { schedulerService } from './service.js';

await runService(schedulerService);
