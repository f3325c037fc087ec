import { HttpStatus } from '@nestjs/common';
import { ApiError, type ApiErrorBody } from '../http/api-error.js';

/**
 * 403 for a feature of a higher plan: `{ error: { code: 'plan_required', message,
 * details: { requiredPlan: 'standard' } } }`, so the dashboard can offer the upgrade.
 */
export class PlanRequiredError extends ApiError {
  constructor(readonly requiredPlan: 'standard' = 'standard') {
    super(
      HttpStatus.FORBIDDEN,
      'plan_required',
      'Live monitoring, takeover and escalation e-mails are part of the Standard and Pro plans; upgrade to use them',
    );
  }

  override toBody(): ApiErrorBody {
    // details is an object here, not the field list of validation errors.
    return {
      error: { code: this.code, message: this.message, details: { requiredPlan: this.requiredPlan } },
    } as unknown as ApiErrorBody;
  }
}
