import { runService } from '@steward/runtime';
import { interactionsService } from './service.js';

await runService(interactionsService);
