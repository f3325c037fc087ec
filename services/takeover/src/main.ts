import { runService } from '@steward/runtime';
import { takeoverService } from './service.js';

await runService(takeoverService);
