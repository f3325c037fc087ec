import { runService } from '@steward/runtime';
import { moderationService } from './service.js';

await runService(moderationService);
