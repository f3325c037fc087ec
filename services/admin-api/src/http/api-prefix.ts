/** Every route of the admin API lives under this path. */
export const API_PREFIX = 'api/v1';
