import type { components } from "../../api/schema";

/**
 * The week view ↔ weekly blocks. The calendar runs in "UTC" mode and is fed the
 * firings' `start_local`/`end_local` strings: a Date's UTC fields are then the
 * site's wall-clock time (floating local time), which is what blocks speak.
 */
export type Weekday = components["schemas"]["Weekday"];
export type Block = components["schemas"]["Block"];
export type Firing = components["schemas"]["Firing"];

/** getUTCDay() order: Sunday first. */
const BY_JS_DAY: readonly Weekday[] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
export const WEEKDAYS: readonly Weekday[] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
export const SNAP_MINUTES = 15;
const DAY_MS = 24 * 3600 * 1000;

export function weekdayOf(floating: Date): Weekday {
  return BY_JS_DAY[floating.getUTCDay()]!;
}

/** Minutes since midnight of a floating time, snapped to the nearest `step` minutes (1440 stays 1440). */
export function snappedMinutes(floating: Date, step = SNAP_MINUTES): number {
  const minutes = floating.getUTCHours() * 60 + floating.getUTCMinutes() + floating.getUTCSeconds() / 60;
  return Math.round(minutes / step) * step;
}

export function hhmm(minutes: number): string {
  const m = ((minutes % 1440) + 1440) % 1440;
  return `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
}

/** Snaps a floating instant to the nearest `step` minutes. */
export function snap(floating: Date, step = SNAP_MINUTES): Date {
  const stepMs = step * 60_000;
  return new Date(Math.round(floating.getTime() / stepMs) * stepMs);
}

/**
 * The weekly block a drag on the grid (or a moved/resized event) stands for:
 * the day it starts, start and end as HH:MM snapped to 15 minutes. An end at or
 * before the start means the next day (Mon 22:00 → Tue 02:00 is mon 22:00–02:00;
 * Sunday wraps into Monday). Null when it is empty or 24 hours or longer, which a
 * weekly block cannot say.
 */
export function blockFromRange(start: Date, end: Date): Block | null {
  const from = snap(start);
  const to = snap(end);
  const length = to.getTime() - from.getTime();
  if (length <= 0 || length >= DAY_MS) return null;
  return { day: weekdayOf(from), start: hhmm(snappedMinutes(from)), end: hhmm(snappedMinutes(to)) };
}

/** "2026-03-02T22:00" (a firing's local time) as a floating Date. */
export function parseLocal(local: string): Date {
  return new Date(`${local.length === 16 ? `${local}:00` : local}Z`);
}

/**
 * Which of a schedule's blocks a dragged event came from: the one on the day and
 * at the time the event started before the drag. Null when none matches (a
 * firing moved by a DST change): then the caller must not guess, unless the
 * schedule has a single block.
 */
export function findBlockIndex(blocks: readonly Block[], oldStartLocal: Date): number | null {
  const day = weekdayOf(oldStartLocal);
  const start = hhmm(oldStartLocal.getUTCHours() * 60 + oldStartLocal.getUTCMinutes());
  const i = blocks.findIndex((b) => b.day === day && b.start === start);
  if (i >= 0) return i;
  return blocks.length === 1 ? 0 : null;
}

/** The blocks with one replaced (the others unchanged, in their order). */
export function replaceBlock(blocks: readonly Block[], index: number, block: Block): Block[] {
  return blocks.map((b, i) => (i === index ? block : b));
}

/** "mon 22:00–02:00 (next day)" */
export function describeBlock(block: Block): string {
  const overnight = block.end <= block.start ? " (next day)" : "";
  return `${block.day} ${block.start}–${block.end}${overnight}`;
}

/**
 * The UTC range to ask the calendar API for, for a visible week given as
 * floating dates: a day more on both sides covers any site time zone's offset
 * (the firings outside the week are simply not drawn).
 */
export function calendarQueryRange(visibleStart: Date, visibleEnd: Date): { from: string; to: string } {
  return {
    from: new Date(visibleStart.getTime() - DAY_MS).toISOString(),
    to: new Date(visibleEnd.getTime() + DAY_MS).toISOString(),
  };
}

/** The site's current wall-clock time as a floating Date (for the calendar's "now"). */
export function floatingNow(timeZone: string, now = new Date()): Date {
  try {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat("en-GB", {
        timeZone,
        hourCycle: "h23",
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
      })
        .formatToParts(now)
        .map((p) => [p.type, p.value]),
    );
    return new Date(`${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}Z`);
  } catch {
    return now;
  }
}

/** The firings still to come (or running) at `nowMs`, soonest first, at most `count`. */
export function upcomingFirings(firings: readonly Firing[], nowMs: number, count: number): Firing[] {
  return firings
    .filter((f) => Date.parse(f.end) > nowMs)
    .sort((a, b) => Date.parse(a.start) - Date.parse(b.start))
    .slice(0, count);
}
