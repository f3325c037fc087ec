import { Injectable } from '@nestjs/common';
import { Bus, RpcError } from '@steward/bus';
import { z } from '@steward/config';
import { Rpc, type RpcName, type RpcReply, type RpcRequest } from '@steward/contracts';
import { ApiError } from '../http/api-error.js';
import { ServiceCallError } from './service-call.error.js';

/** How long a request to another service may take before the caller gets a 503. */
const RPC_TIMEOUT_MS = 5_000;

/** One request/reply contract of `@steward/contracts` (`Rpc.*`, `MeteringRpc.*`, `ModerationRpc.*`, ...). */
export interface RpcContract {
  subject: string;
  request: z.ZodType;
  reply: z.ZodType;
}

/**
 * Calls other services over `rpc.*` request/reply with the contracts in `@steward/contracts`:
 * the request is validated before it leaves, the reply before it is used.
 */
@Injectable()
export class RpcClient {
  constructor(private readonly bus: Bus) {}

  call<N extends RpcName>(name: N, request: RpcRequest<N>): Promise<RpcReply<N>> {
    return this.request(Rpc[name], request) as Promise<RpcReply<N>>;
  }

  /** Any contract: `rpc.request(MeteringRpc.subscriptionSet, {...})`. */
  async request<C extends RpcContract>(
    contract: C,
    request: z.input<C['request']>,
    options: { timeoutMs?: number } = {},
  ): Promise<z.output<C['reply']>> {
    const service = contract.subject.split('.')[1];
    const body = contract.request.safeParse(request);
    if (!body.success) {
      throw ApiError.validation(
        body.error.issues.map((issue) => ({
          field: issue.path.join('.') || 'request body',
          message: issue.message,
        })),
      );
    }
    let reply: unknown;
    try {
      reply = await this.bus.requestJson(contract.subject, body.data, {
        timeoutMs: options.timeoutMs ?? RPC_TIMEOUT_MS,
      });
    } catch (error) {
      if (error instanceof RpcError)
        throw new ServiceCallError(service, error.code, error.message, { cause: error });
      throw error;
    }
    const parsed = contract.reply.safeParse(reply);
    if (!parsed.success) {
      throw new ServiceCallError(
        service,
        'bad_reply',
        `${contract.subject} answered with an unexpected shape: ${z.prettifyError(parsed.error)}`,
      );
    }
    return parsed.data as z.output<C['reply']>;
  }
}
