import { useEffect, useRef } from "react";
import type { LiveEvent, LiveEventType } from "./live-event";

type Listener = (event: LiveEvent) => void;

/**
 * Listeners for events that are not part of the dashboard state (`backup`):
 * the page that shows them subscribes while it is open.
 */
export function createLiveListeners() {
  const listeners = new Set<Listener>();
  return {
    subscribe(listener: Listener): () => void {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    emit(event: LiveEvent): void {
      for (const listener of listeners) listener(event);
    },
  };
}

/** The page's one set of listeners: the event stream emits into it. */
export const liveListeners = createLiveListeners();

type DataOf<T extends LiveEventType> = Extract<LiveEvent, { type: T }>["data"];

/** Calls `onEvent` with every live event of `type` while the calling component is shown. */
export function useLiveEvent<T extends LiveEventType>(type: T, onEvent: (data: DataOf<T>) => void): void {
  const latest = useRef(onEvent);
  useEffect(() => {
    latest.current = onEvent;
  });
  useEffect(
    () =>
      liveListeners.subscribe((event) => {
        if (event.type === type) latest.current(event.data as DataOf<T>);
      }),
    [type],
  );
}
