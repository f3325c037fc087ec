import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Rpc, type RpcReply } from '@steward/contracts';
import { parseRequest } from '../rpc-validation.js';
import { KnowledgeService } from './knowledge.service.js';

/** Knowledge-base administration over request/reply (the admin API calls these). */
@Controller()
export class KnowledgeController {
  constructor(private readonly knowledge: KnowledgeService) {}

  @MessagePattern(Rpc.knowledgeAdd.subject)
  add(@Payload() body: unknown): Promise<RpcReply<'knowledgeAdd'>> {
    const request = parseRequest(Rpc.knowledgeAdd.request, body, Rpc.knowledgeAdd.subject);
    return this.knowledge.add(request.tenantId, request.title, request.content);
  }

  @MessagePattern(Rpc.knowledgeGet.subject)
  get(@Payload() body: unknown): Promise<RpcReply<'knowledgeGet'>> {
    const request = parseRequest(Rpc.knowledgeGet.request, body, Rpc.knowledgeGet.subject);
    return this.knowledge.get(request.tenantId, request.id);
  }

  @MessagePattern(Rpc.knowledgeDelete.subject)
  delete(@Payload() body: unknown): Promise<RpcReply<'knowledgeDelete'>> {
    const request = parseRequest(Rpc.knowledgeDelete.request, body, Rpc.knowledgeDelete.subject);
    return this.knowledge.delete(request.tenantId, request.id);
  }

  @MessagePattern(Rpc.knowledgeReindex.subject)
  reindex(@Payload() body: unknown): Promise<RpcReply<'knowledgeReindex'>> {
    const request = parseRequest(Rpc.knowledgeReindex.request, body, Rpc.knowledgeReindex.subject);
    return this.knowledge.reindex(request.tenantId, request.id);
  }

  @MessagePattern(Rpc.knowledgeSearch.subject)
  async search(@Payload() body: unknown): Promise<RpcReply<'knowledgeSearch'>> {
    const request = parseRequest(Rpc.knowledgeSearch.request, body, Rpc.knowledgeSearch.subject);
    return { passages: await this.knowledge.search(request.tenantId, request.query, request.limit) };
  }

  @MessagePattern(Rpc.knowledgeList.subject)
  async list(@Payload() body: unknown): Promise<RpcReply<'knowledgeList'>> {
    const request = parseRequest(Rpc.knowledgeList.request, body, Rpc.knowledgeList.subject);
    return { documents: await this.knowledge.list(request.tenantId) };
  }
}
