import { Module } from '@nestjs/common';
import { GatewaySupervisor } from './shards/gateway-supervisor.js';

@Module({ providers: [GatewaySupervisor] })
export class GatewayModule {}
