export { fuzzParameters, fuzzSeed } from './fuzz-config.js';
export { jsonBody, discordSnowflake, hostileString } from './arbitraries.js';
