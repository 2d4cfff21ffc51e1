import { useQueryClient } from "@tanstack/react-query";
import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import { dashboardStateKey } from "../api/get-dashboard-state";
import { applyEvent } from "../apply-event";
import { LIVE_EVENT_TYPES, parseLiveEvent, type DashboardState } from "../live-event";
import { liveEventLog } from "../event-log";
import { liveListeners } from "../live-listeners";

export type LiveStatus = "connecting" | "live" | "reconnecting";

const LiveStatusContext = createContext<LiveStatus>("connecting");

/** "live" while the event stream is open; shown in the header. */
export function useLiveStatus(): LiveStatus {
  return useContext(LiveStatusContext);
}

/** Waits before opening a new stream after the browser gave up on one. */
function retryDelay(attempt: number): number {
  return Math.min(30_000, 2000 * 2 ** attempt);
}

interface LiveProviderProps {
  children: ReactNode;
  /** Asked when the stream fails for good: the session may have ended. */
  onStreamRefused: () => void;
}

/**
 * Holds one GET /api/events stream for the logged-in pages and merges its
 * events into the cached dashboard state. EventSource reconnects by itself
 * (sending Last-Event-ID, so the server replays what was missed); on every
 * (re)connection and on `reset` the state is reloaded anyway, since events
 * before the stream opened are not replayed. An answer that is not a stream
 * (401 after the session ended) closes it for good: then a new one is opened
 * after a pause, once the caller had a chance to check the session.
 */
export function LiveProvider({ children, onStreamRefused }: LiveProviderProps) {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<LiveStatus>("connecting");

  useEffect(() => {
    let source: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let attempt = 0;

    const reload = () =>
      void queryClient.invalidateQueries({ queryKey: dashboardStateKey }, { cancelRefetch: false });

    const receive = (type: string) => (message: MessageEvent<string>) => {
      const event = parseLiveEvent(type, message.data);
      if (!event) return;
      liveEventLog.push(event);
      liveListeners.emit(event);
      const state = queryClient.getQueryData<DashboardState>(dashboardStateKey);
      if (!state) return;
      const applied = applyEvent(state, event);
      if (applied.state !== state) queryClient.setQueryData(dashboardStateKey, applied.state);
      if (applied.stale) reload();
    };

    const connect = () => {
      const stream = new EventSource("/api/events");
      source = stream;
      stream.addEventListener("open", () => {
        attempt = 0;
        setStatus("live");
        reload();
      });
      stream.addEventListener("error", () => {
        setStatus("reconnecting");
        if (stream.readyState === EventSource.CLOSED) {
          stream.close();
          onStreamRefused();
          retry = setTimeout(connect, retryDelay(attempt));
          attempt += 1;
        }
      });
      stream.addEventListener("reset", reload);
      for (const type of LIVE_EVENT_TYPES) stream.addEventListener(type, receive(type));
    };

    connect();
    return () => {
      clearTimeout(retry);
      source?.close();
    };
  }, [queryClient, onStreamRefused]);

  return <LiveStatusContext.Provider value={status}>{children}</LiveStatusContext.Provider>;
}
