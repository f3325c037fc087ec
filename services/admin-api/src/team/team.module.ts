import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module.js';
import { TeamController } from './team.controller.js';

@Module({ imports: [AccountsModule], controllers: [TeamController] })
export class TeamModule {}
