import { runService } from '@steward/runtime';
import { gatewayService } from './service.js';

await runService(gatewayService);
