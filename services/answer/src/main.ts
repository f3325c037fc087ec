import { runService } from '@steward/runtime';
import { answerService } from './service.js';

await runService(answerService);
