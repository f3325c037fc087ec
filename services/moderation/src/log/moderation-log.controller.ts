import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { RpcError, RpcErrorCode } from '@steward/bus';
import { ModerationRpc, type ModerationLogListReply } from '@steward/contracts';
import { z } from 'zod';
import { InvalidCursorError, ModerationLogStore } from './moderation-log.store.js';

/** The moderation log for the admin API: `rpc.moderation.log.list`, scoped to one tenant. */
@Controller()
export class ModerationLogController {
  constructor(private readonly log: ModerationLogStore) {}

  @MessagePattern(ModerationRpc.logList.subject)
  async list(@Payload() body: unknown): Promise<ModerationLogListReply> {
    const parsed = ModerationRpc.logList.request.safeParse(body);
    if (!parsed.success) {
      throw new RpcError(RpcErrorCode.BadRequest, `invalid ${ModerationRpc.logList.subject} request: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`);
    }
    try {
      const { rows, nextCursor } = await this.log.list(parsed.data);
      return { entries: rows.map(({ applicationId: _app, commandId: _command, ...entry }) => entry), nextCursor };
    } catch (error) {
      if (error instanceof InvalidCursorError) throw new RpcError(RpcErrorCode.BadRequest, error.message);
      throw error;
    }
  }
}
