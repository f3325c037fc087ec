import { runService } from '@steward/runtime';
import { adminApiService } from './service.js';

await runService(adminApiService);
