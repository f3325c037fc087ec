import { Body, Controller, Get, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from '@steward/config';
import { AccountsService } from '../accounts/accounts.service.js';
import { ROLES } from '../accounts/user.entity.js';
import { OwnerOnly } from '../auth/roles.decorator.js';
import { TenantId } from '../auth/tenant-id.decorator.js';
import { ApiErrorResponses } from '../http/api-error-responses.decorator.js';
import { ApiError } from '../http/api-error.js';
import { API_PREFIX } from '../http/api-prefix.js';

const member = z.object({ id: z.uuid(), email: z.string(), role: z.enum(ROLES) }).meta({ id: 'TeamMember' });
type Member = z.infer<typeof member>;
const team = z.object({ members: z.array(member) }).meta({ id: 'Team' });

const newAgentBody = z
  .object({
    email: z.email({ error: 'must be an email address' }).max(254, 'must be at most 254 characters'),
    password: z.string().min(10, 'must be at least 10 characters').max(200, 'must be at most 200 characters'),
  })
  .meta({ id: 'NewAgent' });

/** The people who sign in to the dashboard: one owner, any number of agents. */
@ApiTags('team')
@ApiBearerAuth()
@ApiCookieAuth()
@ApiErrorResponses(401)
@Controller(`${API_PREFIX}/team`)
export class TeamController {
  constructor(private readonly accounts: AccountsService) {}

  @Get()
  @ApiOperation({ summary: 'The members of the team' })
  @ApiResponse({ status: 200, description: 'Owner and agents, oldest first', standardSchema: team })
  async list(@TenantId() tenantId: string): Promise<{ members: Member[] }> {
    const users = await this.accounts.listUsers(tenantId);
    return { members: users.map((user) => ({ id: user.id, email: user.email, role: user.role })) };
  }

  @Post('agents')
  @OwnerOnly()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Add an agent: they sign in with this address and password (owner only)' })
  @ApiResponse({ status: 201, description: 'Added', standardSchema: member })
  @ApiResponse({ status: 403, description: 'Only the owner adds agents' })
  @ApiResponse({ status: 409, description: 'The address already has an account' })
  @ApiErrorResponses(400, 415)
  async addAgent(
    @TenantId() tenantId: string,
    @Body({ schema: newAgentBody }) body: z.infer<typeof newAgentBody>,
  ): Promise<Member> {
    const user = await this.accounts.addAgent(tenantId, { email: body.email, password: body.password });
    if (!user)
      throw new ApiError(
        HttpStatus.CONFLICT,
        'email_taken',
        'An account with this email address already exists',
      );
    return { id: user.id, email: user.email, role: user.role };
  }
}
