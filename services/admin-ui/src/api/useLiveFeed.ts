import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { API_BASE } from './client';

export const LIVE_EVENTS = ['turn', 'message', 'delivery', 'takeover', 'released', 'resumed', 'escalated'] as const;
export type LiveEventName = (typeof LIVE_EVENTS)[number];
export interface LiveEvent {
  name: LiveEventName;
  conversationId?: string;
  at: number;
}
export type FeedState = 'connecting' | 'open' | 'reconnecting';

/** After the server refused or dropped the stream for good (restart, 403, 503), try again this much later. */
const REOPEN_AFTER_MS = 5_000;
const LATE_REFRESH_MS = 1_500;

/**
 * Follows `GET /live` (server-sent events) while the page is open: each event refreshes the
 * conversation it names. EventSource reconnects by itself after a dropped connection and sends
 * Last-Event-ID; when the server refuses outright, EventSource gives up, so the stream is
 * reopened here, continuing after the last event seen (`?lastEventId=`).
 */
export function useLiveFeed(onEvent: (event: LiveEvent) => void): FeedState {
  const queryClient = useQueryClient();
  const [state, setState] = useState<FeedState>('connecting');
  const latestOnEvent = useRef(onEvent);
  latestOnEvent.current = onEvent;

  useEffect(() => {
    let source: EventSource | undefined;
    let reopenTimer: ReturnType<typeof setTimeout> | undefined;
    let lastEventId = '';
    const lateRefreshes: Array<ReturnType<typeof setTimeout>> = [];

    const open = () => {
      const query = lastEventId ? `?lastEventId=${encodeURIComponent(lastEventId)}` : '';
      const current = new EventSource(`${API_BASE}/live${query}`, { withCredentials: true });
      source = current;
      current.onopen = () => setState('open');
      current.onerror = () => {
        setState('reconnecting');
        if (current.readyState === EventSource.CLOSED) reopenTimer = setTimeout(open, REOPEN_AFTER_MS);
      };
      for (const name of LIVE_EVENTS) {
        current.addEventListener(name, (message: MessageEvent<string>) => {
          if (message.lastEventId) lastEventId = message.lastEventId;
          const conversationId = conversationOf(message.data);
          const refresh = () => {
            void queryClient.invalidateQueries({ queryKey: ['conversations'] });
            if (conversationId) void queryClient.invalidateQueries({ queryKey: ['conversation', conversationId] });
          };
          refresh();
          // The transcript store records the same fact independently; it may lag the feed by a moment.
          lateRefreshes.push(setTimeout(refresh, LATE_REFRESH_MS));
          latestOnEvent.current({ name, conversationId, at: Date.now() });
        });
      }
    };
    open();
    return () => {
      clearTimeout(reopenTimer);
      lateRefreshes.forEach(clearTimeout);
      source?.close();
    };
  }, [queryClient]);
  return state;
}

function conversationOf(data: string): string | undefined {
  try {
    const parsed = JSON.parse(data) as { conversationId?: unknown; id?: unknown; conversation?: { id?: unknown } };
    const id = parsed.conversationId ?? parsed.conversation?.id ?? parsed.id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
