import { Catch, type RpcExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';

/**
 * Nest's default RPC exception handling turns any error that is not an RpcException into a
 * generic "Internal server error". The JetStream transport decides retries, dead letters and
 * RPC error replies itself and records the reason, so it needs the handler's own error.
 */
@Catch()
export class PassThroughRpcFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}
