import { Module, type DynamicModule } from '@nestjs/common';
import { CLOCK, type Clock } from './clock.js';
import type { SchedulerConfig } from './config.js';
import { HistoryController } from './history/history.controller.js';
import { RunFactsController } from './runs/run-facts.controller.js';
import { RunProcessor } from './runs/run-processor.js';
import { RunScheduler } from './runs/run-scheduler.js';
import { RunStore } from './runs/run.store.js';
import { ScheduleMirror } from './schedules/schedule-mirror.js';
import { ScheduleStore } from './schedules/schedule.store.js';

@Module({})
export class SchedulerModule {
  static register(_config: SchedulerConfig, clock: Clock): DynamicModule {
    return {
      module: SchedulerModule,
      controllers: [RunFactsController, HistoryController],
      providers: [
        { provide: CLOCK, useValue: clock },
        ScheduleStore,
        ScheduleMirror,
        RunStore,
        RunProcessor,
        RunScheduler,
      ],
    };
  }
}
