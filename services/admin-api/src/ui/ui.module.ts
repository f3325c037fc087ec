import { Module } from '@nestjs/common';
import { UiController } from './ui.controller.js';
import { DEFAULT_UI_DIR, UiFiles } from './ui-files.js';

/**
 * Serves the built dashboard at `/`: services/admin-ui/dist, or the folder named by the
 * STEWARD_UI_DIR environment variable (read from the process environment: it is a
 * deployment path, not tenant configuration).
 */
@Module({
  controllers: [UiController],
  providers: [{ provide: UiFiles, useFactory: () => new UiFiles(process.env.STEWARD_UI_DIR?.trim() || DEFAULT_UI_DIR) }],
})
export class UiModule {}
