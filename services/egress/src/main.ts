import { runService } from '@steward/runtime';
import { egressService } from './service.js';

await runService(egressService);
