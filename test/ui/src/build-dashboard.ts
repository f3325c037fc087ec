import { ensureUiBuilt, uiDist } from '../../../services/admin-ui/scripts/ensure-built.mjs';

/** Builds services/admin-ui/dist when it is missing or stale; admin-api serves it at /. */
export async function buildDashboard(): Promise<string> {
  await ensureUiBuilt({ log: (line: string) => process.stderr.write(`${line}\n`) });
  return uiDist;
}
