import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'steward:admin:public';

/** Opens a route to callers without credentials; every other route requires them. */
export const Public = () => SetMetadata(IS_PUBLIC, true);
