import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { parseRequest } from '../rpc-validation.js';
import { UnansweredQuestions, unansweredListRpc, type UnansweredListReply } from './unanswered-questions.js';

@Controller()
export class UnansweredController {
  constructor(private readonly unanswered: UnansweredQuestions) {}

  @MessagePattern(unansweredListRpc.subject)
  list(@Payload() body: unknown): Promise<UnansweredListReply> {
    const request = parseRequest(unansweredListRpc.request, body, unansweredListRpc.subject);
    return this.unanswered.list(request.tenantId, request.limit);
  }
}
