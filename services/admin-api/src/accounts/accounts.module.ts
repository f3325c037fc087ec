import { Module } from '@nestjs/common';
import { RpcModule } from '../rpc/rpc.module.js';
import { AccountsService } from './accounts.service.js';
import { LocalTenantSeeder } from './local-tenant.seeder.js';
import { SubscriptionSync } from './subscription-sync.js';

@Module({
  imports: [RpcModule],
  providers: [AccountsService, LocalTenantSeeder, SubscriptionSync],
  exports: [AccountsService, SubscriptionSync],
})
export class AccountsModule {}
