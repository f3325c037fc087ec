/** Injection tokens the runtime provides to every service module. */
export const CONFIG = Symbol('steward:config');
export const LOGGER = Symbol('steward:logger');
export const SERVICE_NAME = Symbol('steward:service-name');
