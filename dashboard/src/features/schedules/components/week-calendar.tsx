import type { DatesSetArg, EventClickArg, EventDropArg, EventInput } from "@fullcalendar/core";
import interactionPlugin, { type EventResizeDoneArg } from "@fullcalendar/interaction";
import FullCalendar from "@fullcalendar/react";
import timeGridPlugin from "@fullcalendar/timegrid";
import { useMemo } from "react";
import type { Firing } from "../calendar-blocks";
import type { Schedule } from "../schedule-form";

/** A weekly block moved or resized on the grid; `revert` puts the event back. */
export interface BlockChange {
  scheduleId: number;
  oldStart: Date;
  start: Date;
  end: Date;
  revert: () => void;
}

interface WeekCalendarProps {
  firings: readonly Firing[];
  schedules: ReadonlyMap<number, Schedule>;
  selectedId: number | null;
  canWrite: boolean;
  /** The site's wall-clock time now, as a floating date. */
  now: Date;
  onRange: (start: Date, end: Date) => void;
  onDraw: (start: Date, end: Date) => void;
  onPick: (scheduleId: number) => void;
  onChange: (change: BlockChange) => void;
}

/**
 * The week view: FullCalendar's time grid in "UTC" mode, fed the firings' local
 * wall-clock times, so it shows the site's time whatever this browser's zone.
 * Weekly blocks can be dragged and resized; RRULE firings cannot.
 */
export function WeekCalendar({
  firings,
  schedules,
  selectedId,
  canWrite,
  now,
  onRange,
  onDraw,
  onPick,
  onChange,
}: WeekCalendarProps) {
  const events = useMemo<EventInput[]>(
    () =>
      firings.map((f) => {
        const weekly = schedules.get(f.schedule_id)?.recurrence.type === "weekly";
        const classes = ["sched-event"];
        if (!f.enabled) classes.push("sched-event--disabled");
        if (f.schedule_id === selectedId) classes.push("sched-event--selected");
        if (!weekly) classes.push("sched-event--rrule");
        return {
          id: `${f.schedule_id}@${f.start}`,
          title: f.notes.length > 0 ? `${f.schedule_name} ⚠` : f.schedule_name,
          start: f.start_local,
          end: f.end_local,
          editable: canWrite && weekly,
          classNames: classes,
          extendedProps: { scheduleId: f.schedule_id },
        };
      }),
    [firings, schedules, selectedId, canWrite],
  );

  const change = (info: EventDropArg | EventResizeDoneArg) => {
    const { start, end } = info.event;
    const oldStart = info.oldEvent.start;
    if (!start || !end || !oldStart) {
      info.revert();
      return;
    }
    onChange({ scheduleId: Number(info.event.extendedProps.scheduleId), oldStart, start, end, revert: info.revert });
  };

  return (
    <div className="week-calendar" data-week-calendar="">
      <FullCalendar
        plugins={[timeGridPlugin, interactionPlugin]}
        initialView="timeGridWeek"
        timeZone="UTC"
        now={now}
        nowIndicator
        firstDay={1}
        allDaySlot={false}
        height="auto"
        slotDuration="01:00:00"
        snapDuration="00:15:00"
        slotLabelFormat={{ hour: "2-digit", minute: "2-digit", hour12: false }}
        eventTimeFormat={{ hour: "2-digit", minute: "2-digit", hour12: false }}
        dayHeaderFormat={{ weekday: "short", day: "numeric", month: "numeric", omitCommas: true }}
        headerToolbar={{ left: "prev,next today", center: "title", right: "" }}
        selectable={canWrite}
        selectMirror
        editable={canWrite}
        eventStartEditable={canWrite}
        eventDurationEditable={canWrite}
        events={events}
        datesSet={(arg: DatesSetArg) => onRange(arg.start, arg.end)}
        select={(arg) => onDraw(arg.start, arg.end)}
        eventClick={(arg: EventClickArg) => onPick(Number(arg.event.extendedProps.scheduleId))}
        eventDrop={change}
        eventResize={change}
      />
    </div>
  );
}

