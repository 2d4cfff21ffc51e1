/** Alarms raised by schedules: the list, the overview's panel of open ones, acknowledging. */
export { AlarmsPage } from "./components/alarms-page";
export { OpenAlarms, useOpenAlarmCount } from "./components/open-alarms";
