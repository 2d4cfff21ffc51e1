import { useSyncExternalStore } from "react";

/**
 * One clock for every "5 s ago" on the page: a single interval ticks all
 * subscribers, so relative times advance without each row keeping a timer.
 */
const TICK_MS = 5000;
let now = Date.now();
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | null = null;

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (timer === null) {
    now = Date.now();
    timer = setInterval(() => {
      now = Date.now();
      for (const l of listeners) l();
    }, TICK_MS);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer !== null) {
      clearInterval(timer);
      timer = null;
    }
  };
}

function snapshot(): number {
  return now;
}

/** The current time in epoch milliseconds, updated every few seconds. */
export function useNow(): number {
  return useSyncExternalStore(subscribe, snapshot);
}
