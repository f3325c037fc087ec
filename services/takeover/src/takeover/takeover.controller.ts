import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { RpcError, RpcErrorCode } from '@steward/bus';
import { z } from '@steward/config';
import { TakeoverRpc, type TakeoverReply, type TakeoverRpcName } from '@steward/contracts';
import { ConversationStore } from '../conversations/conversation.store.js';
import { rpcDuration } from '../metrics.js';
import { TakeoverService } from './takeover.service.js';

/** The `rpc.takeover.*` request/reply surface; every body is validated, every answer tenant-scoped. */
@Controller()
export class TakeoverController {
  constructor(
    private readonly takeovers: TakeoverService,
    private readonly conversations: ConversationStore,
  ) {}

  @MessagePattern(TakeoverRpc.list.subject)
  list(@Payload() body: unknown): Promise<TakeoverReply<'list'>> {
    return timed('list', async () => {
      const request = parse('list', body);
      const page = await this.conversations.list(request);
      return {
        conversations: page.conversations.map((row) => this.takeovers.summary(row)),
        nextCursor: page.nextCursor,
      };
    });
  }

  @MessagePattern(TakeoverRpc.get.subject)
  get(@Payload() body: unknown): Promise<TakeoverReply<'get'>> {
    return timed('get', async () => {
      const { tenantId, conversationId } = parse('get', body);
      const detail = await this.conversations.detail(conversationId, tenantId);
      if (!detail) throw new RpcError(RpcErrorCode.NotFound, `no conversation ${conversationId}`);
      return { ...this.takeovers.summary(detail.conversation), turns: detail.turns };
    });
  }

  @MessagePattern(TakeoverRpc.takeover.subject)
  takeover(@Payload() body: unknown): Promise<TakeoverReply<'takeover'>> {
    return timed('takeover', () => {
      const { tenantId, conversationId, agent } = parse('takeover', body);
      return this.takeovers.takeover(tenantId, conversationId, agent);
    });
  }

  @MessagePattern(TakeoverRpc.message.subject)
  message(@Payload() body: unknown): Promise<TakeoverReply<'message'>> {
    return timed('message', () => this.takeovers.message(parse('message', body)));
  }

  @MessagePattern(TakeoverRpc.release.subject)
  release(@Payload() body: unknown): Promise<TakeoverReply<'release'>> {
    return timed('release', () => {
      const { tenantId, conversationId, agent } = parse('release', body);
      return this.takeovers.release(tenantId, conversationId, agent);
    });
  }
}

function parse<N extends TakeoverRpcName>(
  name: N,
  body: unknown,
): z.output<(typeof TakeoverRpc)[N]['request']> {
  const contract = TakeoverRpc[name];
  const result = (contract.request as z.ZodType).safeParse(body);
  if (!result.success) {
    throw new RpcError(
      RpcErrorCode.BadRequest,
      `invalid ${contract.subject} request: ${z.prettifyError(result.error)}`,
    );
  }
  return result.data as z.output<(typeof TakeoverRpc)[N]['request']>;
}

async function timed<T>(rpc: string, work: () => Promise<T>): Promise<T> {
  const stop = rpcDuration.startTimer({ rpc });
  try {
    return await work();
  } finally {
    stop();
  }
}
