export { describeFault, judge, runChaos, type ChaosOptions, type ChaosReport, type Fault, type KillableService } from './chaos.js';
export { RestartableInfra } from './infra.js';
