import { z } from '@steward/config';
import { PLANS } from '../accounts/tenant.entity.js';
import { ROLES } from '../accounts/user.entity.js';

const email = z
  .email({ error: 'must be an email address' })
  .max(254, 'must be at most 254 characters')
  .meta({ example: 'owner@acme.example' });

export const signupBody = z
  .object({
    email,
    password: z
      .string()
      .min(10, 'must be at least 10 characters')
      .max(200, 'must be at most 200 characters')
      .meta({ example: 'correct horse battery staple' }),
    tenantName: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(200, 'must be at most 200 characters')
      .meta({ description: 'Your company or community', example: 'Acme' }),
  })
  .meta({ id: 'Signup' });
export type SignupBody = z.infer<typeof signupBody>;

export const loginBody = z
  .object({
    email,
    // No length rules here: a wrong password is just a wrong password.
    password: z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
  })
  .meta({ id: 'Login' });
export type LoginBody = z.infer<typeof loginBody>;

export const userView = z
  .object({ id: z.uuid(), email: z.string(), role: z.enum(ROLES) })
  .meta({ id: 'User' });
export const tenantView = z
  .object({ id: z.uuid(), name: z.string(), plan: z.enum(PLANS) })
  .meta({ id: 'Tenant' });

export const accountView = z
  .object({ user: userView.nullable(), tenant: tenantView })
  .meta({ id: 'Account', description: '`user` is null when the caller is an API key' });
export type AccountView = z.infer<typeof accountView>;
