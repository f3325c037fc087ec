/** The history RPC contract lives in `@steward/contracts` (the admin API calls it too). */
export { SchedulerRpc, historyEntry, type HistoryEntry, type HistoryListReply, type HistoryListRequest } from '@steward/contracts';
