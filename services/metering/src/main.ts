import { runService } from '@steward/runtime';
import { meteringService } from './service.js';

await runService(meteringService);
