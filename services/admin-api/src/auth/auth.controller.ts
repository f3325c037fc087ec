import { Body, Controller, Get, HttpCode, HttpStatus, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { LOGGER } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AccountsService } from '../accounts/accounts.service.js';
import { hashPassword, needsRehash, verifyPassword } from '../accounts/password.js';
import { SubscriptionSync } from '../accounts/subscription-sync.js';
import type { Tenant } from '../accounts/tenant.entity.js';
import type { User } from '../accounts/user.entity.js';
import { ApiErrorResponses } from '../http/api-error-responses.decorator.js';
import { ApiError } from '../http/api-error.js';
import { API_PREFIX } from '../http/api-prefix.js';
import {
  accountView,
  loginBody,
  signupBody,
  type AccountView,
  type LoginBody,
  type SignupBody,
} from './auth.schemas.js';
import type { AuthContext } from './auth-context.js';
import { CSRF_COOKIE, serializeCookie, SESSION_COOKIE } from './cookies.js';
import { CurrentAuth } from './current-auth.decorator.js';
import { LoginThrottle, TooManyAttemptsError, type LoginAttempt } from './login-throttle.js';
import { Public } from './public.decorator.js';
import { SESSION_LIFETIME_MS, SessionsService } from './sessions.service.js';

/** Compared against when the address is unknown, so both cases take as long. */
const DUMMY_HASH = await hashPassword('steward-timing-equaliser');

/** Sign-up, sign-in and sign-out of the dashboard (the session cookie and its CSRF token). */
@ApiTags('auth')
@Controller(`${API_PREFIX}/auth`)
export class AuthController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly sessions: SessionsService,
    private readonly throttle: LoginThrottle,
    private readonly subscriptions: SubscriptionSync,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Post('signup')
  @Public()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: 'Create an account: a tenant (plan Starter) and its owner, signed in',
    description: 'Sets the `steward_session` (HttpOnly) and `steward_csrf` cookies.',
  })
  @ApiResponse({ status: 201, description: 'Signed up and signed in', standardSchema: accountView })
  @ApiResponse({ status: 409, description: 'The address already has an account' })
  @ApiErrorResponses(400, 415)
  async signup(
    @Body({ schema: signupBody }) body: SignupBody,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AccountView> {
    const created = await this.accounts.signUp({ ...body, plan: 'starter' });
    if (!created)
      throw new ApiError(
        HttpStatus.CONFLICT,
        'email_taken',
        'An account with this email address already exists',
      );
    this.logger.info({ tenantId: created.tenant.id, userId: created.user.id }, 'tenant signed up');
    this.subscriptions.syncSoon();
    await this.startSession(created.user, request, reply);
    return view(created.user, created.tenant);
  }

  @Post('login')
  @Public()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Sign in with email and password',
    description: `At most 5 failed attempts per address and 20 per client IP in 15 minutes; then 429 with Retry-After.`,
  })
  @ApiResponse({ status: 200, description: 'Signed in', standardSchema: accountView })
  @ApiResponse({ status: 429, description: 'Too many failed attempts; see Retry-After' })
  @ApiErrorResponses(400, 401, 415)
  async login(
    @Body({ schema: loginBody }) body: LoginBody,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AccountView> {
    let attempt: LoginAttempt;
    try {
      attempt = await this.throttle.begin(body.email, request.ip);
    } catch (error) {
      if (error instanceof TooManyAttemptsError)
        void reply.header('Retry-After', String(error.retryAfterSeconds));
      throw error;
    }
    const user = await this.accounts.findUserByEmail(body.email);
    const valid = await verifyPassword(body.password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !valid) {
      await this.throttle.failed();
      throw new ApiError(HttpStatus.UNAUTHORIZED, 'invalid_credentials', 'Wrong email address or password');
    }
    await this.throttle.succeeded(attempt);
    if (needsRehash(user.passwordHash))
      await this.accounts.setPasswordHash(user.id, await hashPassword(body.password));
    const tenant = await this.accounts.findTenant(user.tenantId);
    await this.startSession(user, request, reply);
    return view(user, tenant!);
  }

  @Post('logout')
  @ApiCookieAuth()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Sign out: ends the session and clears its cookies (needs X-CSRF-Token)' })
  @ApiResponse({ status: 204, description: 'Signed out' })
  @ApiErrorResponses(401)
  async logout(
    @CurrentAuth() auth: AuthContext,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    if (auth.sessionId) await this.sessions.revoke(auth.sessionId);
    setCookies(request, reply, '', '', 0);
  }

  @Get('me')
  @ApiBearerAuth()
  @ApiCookieAuth()
  @ApiOperation({ summary: 'Who is signed in, and their tenant' })
  @ApiResponse({ status: 200, description: 'The caller', standardSchema: accountView })
  @ApiErrorResponses(401)
  async me(@CurrentAuth() auth: AuthContext): Promise<AccountView> {
    const tenant = await this.accounts.findTenant(auth.tenantId);
    const user = auth.userId ? await this.accounts.findUser(auth.tenantId, auth.userId) : null;
    if (!tenant) throw ApiError.unauthorized();
    return view(user, tenant);
  }

  private async startSession(user: User, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const issued = await this.sessions.create(user);
    setCookies(request, reply, issued.token, issued.csrfToken, SESSION_LIFETIME_MS / 1000);
  }
}

function setCookies(
  request: FastifyRequest,
  reply: FastifyReply,
  session: string,
  csrf: string,
  maxAge: number,
): void {
  const secure = request.protocol === 'https';
  void reply.header('Set-Cookie', [
    serializeCookie(SESSION_COOKIE, session, { httpOnly: true, secure, maxAge }),
    // Readable by the page's script, which sends it back as X-CSRF-Token.
    serializeCookie(CSRF_COOKIE, csrf, { httpOnly: false, secure, maxAge }),
  ]);
}

function view(user: User | null, tenant: Tenant): AccountView {
  return {
    user: user ? { id: user.id, email: user.email, role: user.role } : null,
    tenant: { id: tenant.id, name: tenant.name, plan: tenant.plan },
  };
}
