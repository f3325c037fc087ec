import { Module } from '@nestjs/common';
import { AccountsService } from './accounts.service.js';
import { LocalTenantSeeder } from './local-tenant.seeder.js';

@Module({
  providers: [AccountsService, LocalTenantSeeder],
  exports: [AccountsService],
})
export class AccountsModule {}
