//! Table tests of validation and expansion. Expected instants are UTC and were derived from the
//! 2026 transitions that `tz_database_has_the_2026_transitions_these_tests_assume` pins down.

use chrono::{DateTime, Offset};
use chrono_tz::America::Los_Angeles;
use chrono_tz::Australia::Lord_Howe;
use chrono_tz::Europe::Berlin;
use chrono_tz::Tz;

use super::*;
use crate::domain::error::Error;
use crate::domain::time::Timestamp;

fn ms(rfc3339: &str) -> i64 {
    Timestamp::parse_rfc3339(rfc3339).unwrap_or_else(|| panic!("bad test instant {rfc3339}")).millis()
}

fn utc(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms).unwrap().format("%Y-%m-%dT%H:%MZ").to_string()
}

fn weekly(blocks: &[(Weekday, &str, &str)]) -> Recurrence {
    Recurrence::Weekly {
        blocks: blocks
            .iter()
            .map(|(day, start, end)| Block { day: *day, start: (*start).into(), end: (*end).into() })
            .collect(),
    }
}

fn rrule(rule: &str, dtstart: &str, duration_minutes: i64) -> Recurrence {
    Recurrence::Rrule { rrule: rule.into(), dtstart: dtstart.into(), duration_minutes }
}

fn spans(occurrences: &[Occurrence]) -> Vec<(String, String)> {
    occurrences.iter().map(|o| (utc(o.start), utc(o.end))).collect()
}

fn problems(recurrence: &Recurrence) -> Vec<(String, String)> {
    match validate(recurrence) {
        Err(Error::Validation(fields)) => fields.into_iter().map(|f| (f.field, f.problem)).collect(),
        other => panic!("expected a validation error for {recurrence:?}, got {other:?}"),
    }
}

fn fields(recurrence: &Recurrence) -> Vec<String> {
    problems(recurrence).into_iter().map(|(field, _)| field).collect()
}

use Weekday::{Mon, Sat, Sun, Tue, Wed};

#[test]
fn tz_database_has_the_2026_transitions_these_tests_assume() {
    // (zone, transition instant, UTC offset in minutes just before, at the transition)
    let transitions = [
        (Los_Angeles, "2026-03-08T10:00:00Z", -480, -420),
        (Los_Angeles, "2026-11-01T09:00:00Z", -420, -480),
        (Berlin, "2026-03-29T01:00:00Z", 60, 120),
        (Berlin, "2026-10-25T01:00:00Z", 120, 60),
        (Lord_Howe, "2026-04-04T15:00:00Z", 660, 630),
        (Lord_Howe, "2026-10-03T15:30:00Z", 630, 660),
    ];
    let offset_minutes = |tz: Tz, ms: i64| {
        DateTime::from_timestamp_millis(ms).unwrap().with_timezone(&tz).offset().fix().local_minus_utc() / 60
    };
    for (tz, at, before, after) in transitions {
        assert_eq!((offset_minutes(tz, ms(at) - 1000), offset_minutes(tz, ms(at))), (before, after), "{tz} at {at}");
    }
}

struct Case {
    name: &'static str,
    tz: Tz,
    recurrence: Recurrence,
    from: &'static str,
    to: &'static str,
    expected: &'static [(&'static str, &'static str)],
}

fn check(cases: Vec<Case>) {
    for case in cases {
        let got = expand(&case.recurrence, case.tz, ms(case.from), ms(case.to), 100);
        let want: Vec<(String, String)> = case.expected.iter().map(|(s, e)| ((*s).into(), (*e).into())).collect();
        assert_eq!(spans(&got), want, "{}", case.name);
    }
}

#[test]
fn expansion_without_clock_changes() {
    check(vec![
        Case {
            name: "weekly blocks repeat every week, in local summer time",
            tz: Berlin,
            recurrence: weekly(&[(Mon, "06:00", "08:00"), (Wed, "18:00", "19:30")]),
            from: "2026-06-01T00:00:00+02:00",
            to: "2026-06-15T00:00:00+02:00",
            expected: &[
                ("2026-06-01T04:00Z", "2026-06-01T06:00Z"),
                ("2026-06-03T16:00Z", "2026-06-03T17:30Z"),
                ("2026-06-08T04:00Z", "2026-06-08T06:00Z"),
                ("2026-06-10T16:00Z", "2026-06-10T17:30Z"),
            ],
        },
        Case {
            name: "an overnight block ends the next morning",
            tz: Los_Angeles,
            recurrence: weekly(&[(Weekday::Fri, "22:00", "06:00")]),
            from: "2026-06-05T00:00:00-07:00",
            to: "2026-06-07T00:00:00-07:00",
            expected: &[("2026-06-06T05:00Z", "2026-06-06T13:00Z")],
        },
        Case {
            name: "a block ending at midnight is overnight, not empty",
            tz: Berlin,
            recurrence: weekly(&[(Tue, "20:00", "00:00")]),
            from: "2026-06-01T00:00:00+02:00",
            to: "2026-06-08T00:00:00+02:00",
            expected: &[("2026-06-02T18:00Z", "2026-06-02T22:00Z")],
        },
        Case {
            name: "sunday night wraps into monday, and a block running at `from` is included",
            tz: Berlin,
            recurrence: weekly(&[(Sun, "23:00", "01:00"), (Mon, "01:00", "02:00")]),
            from: "2026-06-08T00:30:00+02:00",
            to: "2026-06-08T03:00:00+02:00",
            expected: &[("2026-06-07T21:00Z", "2026-06-07T23:00Z"), ("2026-06-07T23:00Z", "2026-06-08T00:00Z")],
        },
        Case {
            name: "a block that ended exactly at `from` is not included",
            tz: Berlin,
            recurrence: weekly(&[(Mon, "06:00", "08:00")]),
            from: "2026-06-01T08:00:00+02:00",
            to: "2026-06-08T06:00:00+02:00",
            expected: &[],
        },
        Case {
            name: "rrule BYDAY picks weekdays, BYHOUR defaults from dtstart",
            tz: Los_Angeles,
            recurrence: rrule("FREQ=WEEKLY;BYDAY=MO,WE,FR", "2026-06-01T06:00", 30),
            from: "2026-06-01T00:00:00-07:00",
            to: "2026-06-08T00:00:00-07:00",
            expected: &[
                ("2026-06-01T13:00Z", "2026-06-01T13:30Z"),
                ("2026-06-03T13:00Z", "2026-06-03T13:30Z"),
                ("2026-06-05T13:00Z", "2026-06-05T13:30Z"),
            ],
        },
        Case {
            name: "rrule BYHOUR is local time",
            tz: Los_Angeles,
            recurrence: rrule("RRULE:FREQ=DAILY;BYHOUR=6,18", "2026-06-01T00:00", 60),
            from: "2026-06-01T00:00:00-07:00",
            to: "2026-06-02T00:00:00-07:00",
            expected: &[("2026-06-01T13:00Z", "2026-06-01T14:00Z"), ("2026-06-02T01:00Z", "2026-06-02T02:00Z")],
        },
        Case {
            name: "rrule INTERVAL skips days",
            tz: Berlin,
            recurrence: rrule("FREQ=DAILY;INTERVAL=3", "2026-06-01T07:15", 45),
            from: "2026-06-01T00:00:00+02:00",
            to: "2026-06-11T00:00:00+02:00",
            expected: &[
                ("2026-06-01T05:15Z", "2026-06-01T06:00Z"),
                ("2026-06-04T05:15Z", "2026-06-04T06:00Z"),
                ("2026-06-07T05:15Z", "2026-06-07T06:00Z"),
                ("2026-06-10T05:15Z", "2026-06-10T06:00Z"),
            ],
        },
        Case {
            name: "rrule UNTIL is a UTC instant and inclusive",
            tz: Los_Angeles,
            recurrence: rrule("FREQ=DAILY;UNTIL=20260603T140000Z", "2026-06-01T07:00", 60),
            from: "2026-05-25T00:00:00Z",
            to: "2026-06-30T00:00:00Z",
            expected: &[
                ("2026-06-01T14:00Z", "2026-06-01T15:00Z"),
                ("2026-06-02T14:00Z", "2026-06-02T15:00Z"),
                ("2026-06-03T14:00Z", "2026-06-03T15:00Z"),
            ],
        },
        Case {
            name: "rrule COUNT counts from dtstart, not from the range",
            tz: Berlin,
            recurrence: rrule("FREQ=DAILY;COUNT=3", "2026-06-01T20:00", 60),
            from: "2026-06-02T00:00:00+02:00",
            to: "2026-06-30T00:00:00+02:00",
            expected: &[("2026-06-02T18:00Z", "2026-06-02T19:00Z"), ("2026-06-03T18:00Z", "2026-06-03T19:00Z")],
        },
        Case {
            name: "rrule monthly, years after dtstart",
            tz: Berlin,
            recurrence: rrule("FREQ=MONTHLY;BYMONTHDAY=15", "2020-01-15T12:00", 60),
            from: "2026-06-01T00:00:00Z",
            to: "2026-08-01T00:00:00Z",
            expected: &[("2026-06-15T10:00Z", "2026-06-15T11:00Z"), ("2026-07-15T10:00Z", "2026-07-15T11:00Z")],
        },
        Case {
            name: "rrule every 20 minutes since 2020 keeps its phase, and one running at `from` is included",
            tz: Berlin,
            recurrence: rrule("FREQ=MINUTELY;INTERVAL=20", "2020-01-01T00:07", 5),
            from: "2026-06-01T10:08:00Z",
            to: "2026-06-01T10:30:00Z",
            expected: &[("2026-06-01T10:07Z", "2026-06-01T10:12Z"), ("2026-06-01T10:27Z", "2026-06-01T10:32Z")],
        },
    ]);
}

/// One DST case: the occurrences and, per occurrence, a fragment each of its notes must contain
/// (none: no notes at all).
struct DstCase {
    name: &'static str,
    tz: Tz,
    recurrence: Recurrence,
    from: &'static str,
    to: &'static str,
    expected: &'static [(&'static str, &'static str, &'static [&'static str])],
}

fn check_dst(cases: Vec<DstCase>) {
    for case in cases {
        let got = expand(&case.recurrence, case.tz, ms(case.from), ms(case.to), 100);
        let want: Vec<(String, String)> = case.expected.iter().map(|(s, e, _)| ((*s).into(), (*e).into())).collect();
        assert_eq!(spans(&got), want, "{}", case.name);
        for (occurrence, (_, _, notes)) in got.iter().zip(case.expected) {
            assert_eq!(occurrence.notes.len(), notes.len(), "{}: notes {:?}", case.name, occurrence.notes);
            for (note, fragment) in occurrence.notes.iter().zip(*notes) {
                assert!(note.contains(fragment), "{}: note {note:?} lacks {fragment:?}", case.name);
            }
        }
    }
}

#[test]
fn los_angeles_spring_forward() {
    // 2026-03-08: 02:00 PST becomes 03:00 PDT (10:00Z).
    check_dst(vec![
        DstCase {
            name: "a block starting in the gap starts at 03:00",
            tz: Los_Angeles,
            recurrence: weekly(&[(Sun, "02:30", "04:00")]),
            from: "2026-03-08T00:00:00-08:00",
            to: "2026-03-09T00:00:00-07:00",
            expected: &[(
                "2026-03-08T10:00Z",
                "2026-03-08T11:00Z",
                &[
                    "starts 03:00 instead of 02:30: clocks skip 02:00–03:00 (spring forward)",
                    "lasts 1 h instead of 1 h 30 min",
                ],
            )],
        },
        DstCase {
            name: "an overnight block lasts 7 hours",
            tz: Los_Angeles,
            recurrence: weekly(&[(Sat, "22:00", "06:00")]),
            from: "2026-03-07T12:00:00-08:00",
            to: "2026-03-08T12:00:00-07:00",
            expected: &[("2026-03-08T06:00Z", "2026-03-08T13:00Z", &["lasts 7 h instead of 8 h"])],
        },
        DstCase {
            name: "a block wholly inside the gap does not run that night only",
            tz: Los_Angeles,
            recurrence: weekly(&[(Sun, "02:00", "02:30")]),
            from: "2026-03-01T00:00:00-08:00",
            to: "2026-03-16T00:00:00-07:00",
            expected: &[
                ("2026-03-01T10:00Z", "2026-03-01T10:30Z", &[]),
                ("2026-03-15T09:00Z", "2026-03-15T09:30Z", &[]),
            ],
        },
        DstCase {
            name: "a daily rule in the gap starts at 03:00 that night",
            tz: Los_Angeles,
            recurrence: rrule("FREQ=DAILY", "2026-03-07T02:30", 60),
            from: "2026-03-07T00:00:00-08:00",
            to: "2026-03-10T00:00:00-07:00",
            expected: &[
                ("2026-03-07T10:30Z", "2026-03-07T11:30Z", &[]),
                ("2026-03-08T10:00Z", "2026-03-08T11:00Z", &["starts 03:00 instead of 02:30"]),
                ("2026-03-09T09:30Z", "2026-03-09T10:30Z", &[]),
            ],
        },
        DstCase {
            name: "an hourly rule fires once at 03:00, for both 02:00 and 03:00",
            tz: Los_Angeles,
            recurrence: rrule("FREQ=HOURLY", "2026-03-08T00:00", 60),
            from: "2026-03-08T08:00:00Z",
            to: "2026-03-08T12:00:00Z",
            expected: &[
                ("2026-03-08T08:00Z", "2026-03-08T09:00Z", &[]),
                (
                    "2026-03-08T09:00Z",
                    "2026-03-08T10:00Z",
                    &["runs the full 1 h; clocks spring forward by 1 h meanwhile"],
                ),
                (
                    "2026-03-08T10:00Z",
                    "2026-03-08T11:00Z",
                    &["starts 03:00 instead of 02:00", "also stands for the 03:00 occurrence"],
                ),
                ("2026-03-08T11:00Z", "2026-03-08T12:00Z", &[]),
            ],
        },
        DstCase {
            name: "an occurrence the gap pushes into the next is shortened",
            tz: Los_Angeles,
            recurrence: rrule("FREQ=HOURLY;BYMINUTE=45", "2026-03-08T01:45", 60),
            from: "2026-03-08T09:00:00Z",
            to: "2026-03-08T11:00:00Z",
            expected: &[
                ("2026-03-08T09:45Z", "2026-03-08T10:00Z", &["shortened from 1 h to 15 min"]),
                (
                    "2026-03-08T10:00Z",
                    "2026-03-08T10:45Z",
                    &["starts 03:00 instead of 02:45", "shortened from 1 h to 45 min"],
                ),
                ("2026-03-08T10:45Z", "2026-03-08T11:45Z", &[]),
            ],
        },
    ]);
}

#[test]
fn los_angeles_fall_back() {
    // 2026-11-01: 02:00 PDT becomes 01:00 PST (09:00Z); 01:00–02:00 happens twice.
    check_dst(vec![
        DstCase {
            name: "a block in the repeated hour fires once, at the first",
            tz: Los_Angeles,
            recurrence: weekly(&[(Sun, "01:30", "01:45")]),
            from: "2026-10-31T12:00:00-07:00",
            to: "2026-11-02T00:00:00-08:00",
            expected: &[(
                "2026-11-01T08:30Z",
                "2026-11-01T08:45Z",
                &[
                    "starts at the first 01:30 (UTC-07:00): clocks fall back 02:00→01:00, so 01:00–02:00 happens twice",
                    "ends at the first 01:45",
                ],
            )],
        },
        DstCase {
            name: "an overnight block lasts 9 hours",
            tz: Los_Angeles,
            recurrence: weekly(&[(Sat, "22:00", "06:00")]),
            from: "2026-10-31T12:00:00-07:00",
            to: "2026-11-01T12:00:00-08:00",
            expected: &[("2026-11-01T05:00Z", "2026-11-01T14:00Z", &["lasts 9 h instead of 8 h"])],
        },
        DstCase {
            name: "a daily rule in the repeated hour fires once, at the first",
            tz: Los_Angeles,
            recurrence: rrule("FREQ=DAILY", "2026-10-31T01:30", 30),
            from: "2026-10-31T00:00:00-07:00",
            to: "2026-11-03T00:00:00-08:00",
            expected: &[
                ("2026-10-31T08:30Z", "2026-10-31T09:00Z", &[]),
                (
                    "2026-11-01T08:30Z",
                    "2026-11-01T09:00Z",
                    // It ends just as the clocks go back, so the clock then reads 01:00.
                    &[
                        "starts at the first 01:30",
                        "runs the full 30 min; clocks fall back by 1 h meanwhile, so it ends at 01:00 local",
                    ],
                ),
                ("2026-11-02T09:30Z", "2026-11-02T10:00Z", &[]),
            ],
        },
        DstCase {
            name: "an hourly rule does not repeat the repeated hour",
            tz: Los_Angeles,
            recurrence: rrule("FREQ=HOURLY", "2026-11-01T00:00", 60),
            from: "2026-11-01T07:00:00Z",
            to: "2026-11-01T11:00:00Z",
            expected: &[
                ("2026-11-01T07:00Z", "2026-11-01T08:00Z", &[]),
                (
                    "2026-11-01T08:00Z",
                    "2026-11-01T09:00Z",
                    &["starts at the first 01:00", "runs the full 1 h; clocks fall back by 1 h meanwhile"],
                ),
                ("2026-11-01T10:00Z", "2026-11-01T11:00Z", &[]),
            ],
        },
    ]);
}

#[test]
fn berlin_spring_forward_and_fall_back() {
    // 2026-03-29: 02:00 CET becomes 03:00 CEST (01:00Z). 2026-10-25: 03:00 CEST becomes 02:00 CET (01:00Z).
    check_dst(vec![
        DstCase {
            name: "a block starting in the gap starts at 03:00",
            tz: Berlin,
            recurrence: weekly(&[(Sun, "02:15", "03:30")]),
            from: "2026-03-29T00:00:00+01:00",
            to: "2026-03-30T00:00:00+02:00",
            expected: &[(
                "2026-03-29T01:00Z",
                "2026-03-29T01:30Z",
                &["starts 03:00 instead of 02:15: clocks skip 02:00–03:00", "lasts 30 min instead of 1 h 15 min"],
            )],
        },
        DstCase {
            name: "an overnight block into spring forward lasts 7 hours",
            tz: Berlin,
            recurrence: weekly(&[(Sat, "22:00", "06:00")]),
            from: "2026-03-28T12:00:00+01:00",
            to: "2026-03-29T12:00:00+02:00",
            expected: &[("2026-03-28T21:00Z", "2026-03-29T04:00Z", &["lasts 7 h instead of 8 h"])],
        },
        DstCase {
            name: "a block in the repeated hour fires once, at the first",
            tz: Berlin,
            recurrence: weekly(&[(Sun, "02:30", "02:45")]),
            from: "2026-10-24T12:00:00+02:00",
            to: "2026-10-26T00:00:00+01:00",
            expected: &[(
                "2026-10-25T00:30Z",
                "2026-10-25T00:45Z",
                &["starts at the first 02:30 (UTC+02:00): clocks fall back 03:00→02:00", "ends at the first 02:45"],
            )],
        },
        DstCase {
            name: "an overnight block into fall back lasts 9 hours",
            tz: Berlin,
            recurrence: weekly(&[(Sat, "22:00", "06:00")]),
            from: "2026-10-24T12:00:00+02:00",
            to: "2026-10-25T12:00:00+01:00",
            expected: &[("2026-10-24T20:00Z", "2026-10-25T05:00Z", &["lasts 9 h instead of 8 h"])],
        },
        DstCase {
            name: "a daily rule keeps real minutes across the change",
            tz: Berlin,
            recurrence: rrule("FREQ=DAILY", "2026-10-24T22:00", 480),
            from: "2026-10-24T12:00:00+02:00",
            to: "2026-10-26T00:00:00+01:00",
            expected: &[
                (
                    "2026-10-24T20:00Z",
                    "2026-10-25T04:00Z",
                    &["runs the full 8 h; clocks fall back by 1 h meanwhile, so it ends at 05:00 local"],
                ),
                ("2026-10-25T21:00Z", "2026-10-26T05:00Z", &[]),
            ],
        },
        DstCase {
            name: "a weekly rule starting in the gap starts at 03:00",
            tz: Berlin,
            recurrence: rrule("FREQ=WEEKLY;BYDAY=SU", "2026-03-22T02:30", 60),
            from: "2026-03-22T00:00:00+01:00",
            to: "2026-04-06T00:00:00+02:00",
            expected: &[
                ("2026-03-22T01:30Z", "2026-03-22T02:30Z", &[]),
                ("2026-03-29T01:00Z", "2026-03-29T02:00Z", &["starts 03:00 instead of 02:30"]),
                ("2026-04-05T00:30Z", "2026-04-05T01:30Z", &[]),
            ],
        },
    ]);
}

#[test]
fn lord_howe_half_hour_shifts() {
    // 2026-04-05: 02:00 (UTC+11) becomes 01:30 (UTC+10:30) at 15:00Z the day before;
    // 2026-10-04: 02:00 (UTC+10:30) becomes 02:30 (UTC+11) at 15:30Z the day before.
    check_dst(vec![
        DstCase {
            name: "a block in the repeated half hour fires once, at the first",
            tz: Lord_Howe,
            recurrence: weekly(&[(Sun, "01:40", "01:50")]),
            from: "2026-04-04T12:00:00+11:00",
            to: "2026-04-06T00:00:00+10:30",
            expected: &[(
                "2026-04-04T14:40Z",
                "2026-04-04T14:50Z",
                &[
                    "starts at the first 01:40 (UTC+11:00): clocks fall back 02:00→01:30, so 01:30–02:00 happens twice",
                    "ends at the first 01:50",
                ],
            )],
        },
        DstCase {
            name: "an overnight block into fall back lasts 8.5 hours",
            tz: Lord_Howe,
            recurrence: weekly(&[(Sat, "22:00", "06:00")]),
            from: "2026-04-04T12:00:00+11:00",
            to: "2026-04-05T12:00:00+10:30",
            expected: &[("2026-04-04T11:00Z", "2026-04-04T19:30Z", &["lasts 8 h 30 min instead of 8 h"])],
        },
        DstCase {
            name: "a block starting in the gap starts at 02:30",
            tz: Lord_Howe,
            recurrence: weekly(&[(Sun, "02:10", "03:00")]),
            from: "2026-10-04T00:00:00+10:30",
            to: "2026-10-05T00:00:00+11:00",
            expected: &[(
                "2026-10-03T15:30Z",
                "2026-10-03T16:00Z",
                &[
                    "starts 02:30 instead of 02:10: clocks skip 02:00–02:30 (spring forward)",
                    "lasts 30 min instead of 50 min",
                ],
            )],
        },
        DstCase {
            name: "a block ending in the gap ends at 02:30",
            tz: Lord_Howe,
            recurrence: weekly(&[(Sun, "01:00", "02:15")]),
            from: "2026-10-04T00:00:00+10:30",
            to: "2026-10-05T00:00:00+11:00",
            expected: &[(
                "2026-10-03T14:30Z",
                "2026-10-03T15:30Z",
                &["ends 02:30 instead of 02:15: clocks skip 02:00–02:30", "lasts 1 h instead of 1 h 15 min"],
            )],
        },
        DstCase {
            name: "an overnight block into spring forward lasts 7.5 hours",
            tz: Lord_Howe,
            recurrence: weekly(&[(Sat, "22:00", "06:00")]),
            from: "2026-10-03T12:00:00+10:30",
            to: "2026-10-04T12:00:00+11:00",
            expected: &[("2026-10-03T11:30Z", "2026-10-03T19:00Z", &["lasts 7 h 30 min instead of 8 h"])],
        },
        DstCase {
            name: "a daily rule in the repeated half hour fires once",
            tz: Lord_Howe,
            recurrence: rrule("FREQ=DAILY", "2026-04-04T01:45", 10),
            from: "2026-04-04T00:00:00+11:00",
            to: "2026-04-07T00:00:00+10:30",
            expected: &[
                ("2026-04-03T14:45Z", "2026-04-03T14:55Z", &[]),
                ("2026-04-04T14:45Z", "2026-04-04T14:55Z", &["starts at the first 01:45 (UTC+11:00)"]),
                ("2026-04-05T15:15Z", "2026-04-05T15:25Z", &[]),
            ],
        },
    ]);
}

#[test]
fn local_times_show_the_clock_as_it_happens() {
    let got = expand(
        &weekly(&[(Sat, "22:00", "06:00")]),
        Los_Angeles,
        ms("2026-11-01T00:00:00-07:00"),
        ms("2026-11-01T01:00:00-07:00"),
        10,
    );
    assert_eq!((got[0].start_local.as_str(), got[0].end_local.as_str()), ("2026-10-31T22:00", "2026-11-01T06:00"));
    let shifted = expand(
        &rrule("FREQ=DAILY", "2026-03-08T02:30", 90),
        Los_Angeles,
        ms("2026-03-08T09:00:00Z"),
        ms("2026-03-08T12:00:00Z"),
        10,
    );
    assert_eq!(
        (shifted[0].start_local.as_str(), shifted[0].end_local.as_str()),
        ("2026-03-08T03:00", "2026-03-08T04:30")
    );
}

#[test]
fn skipping_ahead_finds_the_same_occurrences_as_walking_from_dtstart() {
    // Rules without COUNT start iterating near the range; with a COUNT too large to matter they
    // walk from dtstart. Both must agree, including for rules whose period is a month or a year.
    let rules = [
        ("FREQ=MONTHLY;BYDAY=-1FR", "2024-03-29T21:30", 45),
        ("FREQ=MONTHLY;INTERVAL=5;BYMONTHDAY=1,15", "2024-01-01T05:00", 60),
        ("FREQ=MONTHLY;INTERVAL=2", "2024-01-31T05:00", 60),
        ("FREQ=YEARLY;BYMONTH=3,10;BYDAY=-1SU;BYHOUR=2;BYMINUTE=30", "2024-03-31T02:30", 30),
        ("FREQ=YEARLY;INTERVAL=3", "2023-07-04T12:00", 60),
        ("FREQ=WEEKLY;INTERVAL=3;BYDAY=TU,SA;WKST=SU", "2024-01-06T07:00", 120),
        ("FREQ=DAILY;INTERVAL=4;BYSETPOS=2;BYHOUR=5,6,7", "2024-01-01T05:00", 30),
        ("FREQ=HOURLY;INTERVAL=5;BYDAY=SU", "2025-06-01T01:10", 30),
        ("FREQ=MINUTELY;INTERVAL=187", "2025-11-01T02:13", 20),
        ("FREQ=MINUTELY;INTERVAL=20;BYHOUR=2,3", "2025-06-01T02:13", 20),
        ("FREQ=MINUTELY;INTERVAL=120;BYHOUR=1,2,3,5;BYDAY=SU", "2025-06-01T01:13", 20),
    ];
    for tz in [Los_Angeles, Berlin, Lord_Howe] {
        for (rule, dtstart, minutes) in rules {
            let walked = rrule(&format!("{rule};COUNT=100000"), dtstart, minutes);
            let skipped = rrule(rule, dtstart, minutes);
            // Both 2026 clock changes of all three zones.
            let (from, to) = (ms("2026-03-01T00:00:00Z"), ms("2026-11-05T00:00:00Z"));
            let expected = expand(&walked, tz, from, to, 10_000);
            assert!(!expected.is_empty(), "{rule} in {tz}");
            assert_eq!(expand(&skipped, tz, from, to, 10_000), expected, "{rule} in {tz}");
        }
    }
}

#[test]
fn minutely_rules_stay_on_their_interval_grid() {
    // Regression guard for the rrule crate: every occurrence is a whole number of INTERVALs after
    // dtstart on the wall clock (checked where Berlin's clocks do not change).
    for (rule, interval) in [
        ("FREQ=MINUTELY;INTERVAL=47", 47),
        ("FREQ=MINUTELY;INTERVAL=20;BYHOUR=2,3", 20),
        ("FREQ=MINUTELY;INTERVAL=120;BYHOUR=3,4", 120),
    ] {
        let dtstart = chrono::NaiveDateTime::parse_from_str("2026-01-01T02:13", "%Y-%m-%dT%H:%M").unwrap();
        let got = expand(
            &rrule(rule, "2026-01-01T02:13", 5),
            Berlin,
            ms("2026-02-01T00:00:00Z"),
            ms("2026-02-04T00:00:00Z"),
            10_000,
        );
        assert!(!got.is_empty(), "{rule}");
        for o in got {
            let wall = chrono::NaiveDateTime::parse_from_str(&o.start_local, "%Y-%m-%dT%H:%M").unwrap();
            assert_eq!((wall - dtstart).num_minutes() % interval, 0, "{rule}: {}", o.start_local);
        }
    }
    assert_eq!(fields(&rrule("FREQ=MINUTELY;INTERVAL=47;BYHOUR=2,3", "2026-01-01T02:13", 5)), ["recurrence.rrule"]);
}

#[test]
fn limit_caps_the_occurrences_and_lets_callers_ask_for_the_next_few() {
    let schedule = weekly(&[(Mon, "06:00", "07:00"), (Wed, "06:00", "07:00")]);
    let next = expand(&schedule, Berlin, ms("2026-06-02T00:00:00Z"), LATEST_MS, 3);
    assert_eq!(
        spans(&next),
        [
            ("2026-06-03T04:00Z".to_owned(), "2026-06-03T05:00Z".to_owned()),
            ("2026-06-08T04:00Z".to_owned(), "2026-06-08T05:00Z".to_owned()),
            ("2026-06-10T04:00Z".to_owned(), "2026-06-10T05:00Z".to_owned()),
        ]
    );
    assert!(expand(&schedule, Berlin, ms("2026-06-02T00:00:00Z"), LATEST_MS, 0).is_empty());
    let far = expand(&rrule("FREQ=YEARLY", "2026-06-01T06:00", 60), Berlin, ms("2026-06-02T00:00:00Z"), LATEST_MS, 2);
    assert_eq!(spans(&far)[1].0, "2028-06-01T04:00Z");
}

#[test]
fn empty_and_reversed_ranges_have_no_occurrences() {
    let schedule = weekly(&[(Mon, "00:00", "12:00")]);
    let at = ms("2026-06-01T06:00:00+02:00");
    assert!(expand(&schedule, Berlin, at, at, 10).is_empty());
    assert!(expand(&schedule, Berlin, at, at - 1, 10).is_empty());
}

#[test]
fn active_at_returns_the_occurrence_covering_the_instant() {
    let schedule = weekly(&[(Sat, "22:00", "06:00")]);
    let running = active_at(&schedule, Los_Angeles, ms("2026-11-01T05:30:00-08:00")).unwrap();
    assert_eq!((utc(running.start), utc(running.end)), ("2026-11-01T05:00Z".into(), "2026-11-01T14:00Z".into()));
    assert_eq!(active_at(&schedule, Los_Angeles, ms("2026-11-01T05:00:00Z")).map(|o| o.start), Some(running.start));
    assert_eq!(active_at(&schedule, Los_Angeles, ms("2026-11-01T14:00:00Z")), None, "the end is exclusive");
    assert_eq!(active_at(&schedule, Los_Angeles, ms("2026-11-01T04:59:59Z")), None);
}

#[test]
fn next_transition_is_the_next_start_or_end_strictly_after() {
    let schedule = weekly(&[(Mon, "06:00", "08:00")]);
    let (start, end) = (ms("2026-06-01T06:00:00+02:00"), ms("2026-06-01T08:00:00+02:00"));
    assert_eq!(next_transition(&schedule, Berlin, start - 1), Some(start));
    assert_eq!(next_transition(&schedule, Berlin, start), Some(end));
    assert_eq!(next_transition(&schedule, Berlin, start + 60_000), Some(end));
    assert_eq!(next_transition(&schedule, Berlin, end), Some(ms("2026-06-08T06:00:00+02:00")));
    let finite = rrule("FREQ=DAILY;COUNT=2", "2026-06-01T06:00", 30);
    assert_eq!(next_transition(&finite, Berlin, ms("2026-06-02T04:00:00Z")), Some(ms("2026-06-02T04:30:00Z")));
    assert_eq!(next_transition(&finite, Berlin, ms("2026-06-02T04:30:00Z")), None);
}

#[test]
fn an_invalid_recurrence_has_no_occurrences() {
    let invalid = weekly(&[(Mon, "06:00", "06:00")]);
    let at = ms("2026-06-01T04:00:00Z");
    assert!(expand(&invalid, Berlin, at - 86_400_000, at + 86_400_000, 10).is_empty());
    assert_eq!((active_at(&invalid, Berlin, at), next_transition(&invalid, Berlin, at)), (None, None));
}

// Validation

#[test]
fn weekly_blocks_must_not_be_empty() {
    assert_eq!(problems(&weekly(&[])), [("recurrence.blocks".into(), "must contain at least one block".into())]);
}

#[test]
fn weekly_blocks_are_at_most_one_hundred() {
    let many: Vec<(Weekday, String, String)> = (0..101)
        .map(|i| {
            (Weekday::Thu, format!("{:02}:{:02}", i / 6, i % 6 * 10), format!("{:02}:{:02}", i / 6, i % 6 * 10 + 5))
        })
        .collect();
    let blocks: Vec<(Weekday, &str, &str)> = many.iter().map(|(d, s, e)| (*d, s.as_str(), e.as_str())).collect();
    assert_eq!(fields(&weekly(&blocks)), ["recurrence.blocks"]);
    assert!(validate(&weekly(&blocks[..100])).is_ok());
}

#[test]
fn block_times_must_be_hh_mm() {
    for bad in ["6:00", "24:00", "12:60", "ab:cd", "12:00:00", " 12:00", ""] {
        assert_eq!(fields(&weekly(&[(Mon, bad, "13:00")])), ["recurrence.blocks[0].start"], "{bad:?}");
        assert_eq!(
            fields(&weekly(&[(Tue, "11:00", "12:00"), (Mon, "11:00", bad)])),
            ["recurrence.blocks[1].end"],
            "{bad:?}"
        );
    }
}

#[test]
fn a_block_ending_when_it_starts_is_empty_not_overnight() {
    assert_eq!(fields(&weekly(&[(Mon, "06:00", "06:00")])), ["recurrence.blocks[0].end"]);
}

#[test]
fn overlapping_blocks_name_the_later_one() {
    let cases = [
        ("same day", vec![(Mon, "06:00", "08:00"), (Mon, "07:59", "09:00")]),
        ("overnight into the next day", vec![(Mon, "22:00", "06:00"), (Tue, "05:00", "07:00")]),
        ("sunday night into monday", vec![(Mon, "00:30", "02:00"), (Sun, "23:00", "01:00")]),
        ("duplicates", vec![(Wed, "10:00", "11:00"), (Wed, "10:00", "11:00")]),
    ];
    for (name, blocks) in cases {
        assert_eq!(
            problems(&weekly(&blocks)),
            [("recurrence.blocks[1]".into(), "overlaps blocks[0]".into())],
            "{name}"
        );
    }
}

#[test]
fn touching_blocks_do_not_overlap() {
    let blocks = [(Mon, "22:00", "06:00"), (Tue, "06:00", "08:00"), (Sun, "23:00", "22:00"), (Sat, "20:00", "23:00")];
    assert!(validate(&weekly(&blocks)).is_ok());
}

#[test]
fn every_bad_block_is_reported() {
    let blocks = [(Mon, "25:00", "06:00"), (Tue, "06:00", "06:00"), (Wed, "10:00", "12:00"), (Wed, "11:00", "13:00")];
    assert_eq!(
        fields(&weekly(&blocks)),
        ["recurrence.blocks[0].start", "recurrence.blocks[1].end", "recurrence.blocks[3]"]
    );
}

#[test]
fn an_unparsable_rrule_is_reported_in_the_parsers_words() {
    let got = problems(&rrule("FREQ=FORTNIGHTLY", "2026-03-01T06:00", 30));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, "recurrence.rrule");
    assert!(got[0].1.contains("`FORTNIGHTLY` is not a valid frequency"), "{}", got[0].1);
    assert_eq!(fields(&rrule("FREQ=DAILY;BYHOUR=25", "2026-03-01T06:00", 30)), ["recurrence.rrule"]);
    assert_eq!(fields(&rrule("BYHOUR=6", "2026-03-01T06:00", 30)), ["recurrence.rrule"]);
    assert_eq!(fields(&rrule("FREQ=DAILY;INTERVAL=0", "2026-03-01T06:00", 30)), ["recurrence.rrule"]);
}

#[test]
fn an_rrule_must_not_carry_its_own_dtstart() {
    for text in ["DTSTART:20260301T060000\nRRULE:FREQ=DAILY", "FREQ=DAILY;DTSTART=20260301T060000"] {
        let got = problems(&rrule(text, "2026-03-01T06:00", 30));
        assert_eq!(got.len(), 1, "{text}");
        assert_eq!(got[0].0, "recurrence.rrule");
        assert!(got[0].1.contains("DTSTART"), "{}", got[0].1);
    }
    assert_eq!(fields(&rrule("EXDATE:20260301T060000Z", "2026-03-01T06:00", 30)), ["recurrence.rrule"]);
}

#[test]
fn until_must_be_a_utc_date_time() {
    for until in ["20260401T000000", "20260401", "2026-04-01T00:00:00Z", "20260431T000000Z", ""] {
        let got = problems(&rrule(&format!("FREQ=DAILY;UNTIL={until}"), "2026-03-01T06:00", 30));
        assert_eq!(got.len(), 1, "{until}");
        assert_eq!(got[0].0, "recurrence.rrule");
        assert!(got[0].1.contains("must be a UTC date-time"), "{until}: {}", got[0].1);
    }
    assert!(validate(&rrule("FREQ=DAILY;UNTIL=20260401T000000Z", "2026-03-01T06:00", 30)).is_ok());
}

#[test]
fn rrule_parts_we_cannot_honour_are_rejected() {
    for text in [
        "FREQ=DAILY;COUNT=3;UNTIL=20260401T000000Z",
        "FREQ=DAILY;UNTIL=20260401T000000Z;UNTIL=20260402T000000Z",
        "FREQ=DAILY;BYSECOND=30",
        "FREQ=SECONDLY;INTERVAL=3600",
        "FREQ=DAILY;UNTIL=20250101T000000Z",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
    ] {
        assert_eq!(fields(&rrule(text, "2026-03-01T06:00", 30)), ["recurrence.rrule"], "{text}");
    }
}

#[test]
fn dtstart_must_be_a_local_date_time_to_the_minute() {
    for bad in [
        "2026-03-01 06:00",
        "2026-02-30T06:00",
        "2026-03-01T6:00",
        "2026-03-01T06:00:00",
        "2026-03-01T06:00Z",
        "1899-12-31T23:00",
        "",
    ] {
        assert_eq!(fields(&rrule("FREQ=DAILY", bad, 30)), ["recurrence.dtstart"], "{bad:?}");
    }
    // A dtstart in a gap is fine: it is mapped like any occurrence.
    assert!(validate(&rrule("FREQ=DAILY", "2026-03-08T02:30", 30)).is_ok());
}

#[test]
fn duration_is_one_minute_to_one_week() {
    for bad in [0, -5, 10_081] {
        assert_eq!(fields(&rrule("FREQ=MONTHLY", "2026-03-01T06:00", bad)), ["recurrence.duration_minutes"], "{bad}");
    }
    for good in [1, 10_080] {
        assert!(validate(&rrule("FREQ=MONTHLY", "2026-03-01T06:00", good)).is_ok(), "{good}");
    }
}

#[test]
fn a_duration_longer_than_the_gap_between_occurrences_is_rejected() {
    let got = problems(&rrule("FREQ=HOURLY", "2026-03-01T06:00", 90));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, "recurrence.duration_minutes");
    assert!(got[0].1.contains("60 minutes apart"), "{}", got[0].1);
    assert!(validate(&rrule("FREQ=HOURLY", "2026-03-01T06:00", 60)).is_ok());
    // The closest pair can be between periods: Sunday then Monday.
    assert_eq!(fields(&rrule("FREQ=WEEKLY;BYDAY=SU,MO", "2026-03-01T06:00", 1441)), ["recurrence.duration_minutes"]);
    assert!(validate(&rrule("FREQ=WEEKLY;BYDAY=SU,MO", "2026-03-01T06:00", 1440)).is_ok());
    assert_eq!(
        fields(&rrule("FREQ=MONTHLY;BYMONTHDAY=1,-1", "2026-01-01T06:00", 1441)),
        ["recurrence.duration_minutes"]
    );
}

#[test]
fn every_bad_rrule_field_is_reported() {
    assert_eq!(
        fields(&rrule("FREQ=NEVER", "yesterday", 0)),
        ["recurrence.dtstart", "recurrence.duration_minutes", "recurrence.rrule"]
    );
}

#[test]
fn recurrences_read_and_write_the_api_shape() {
    let json = r#"{"type":"weekly","blocks":[{"day":"sun","start":"22:00","end":"06:00"}]}"#;
    let parsed: Recurrence = serde_json::from_str(json).unwrap();
    assert_eq!(parsed, weekly(&[(Sun, "22:00", "06:00")]));
    assert_eq!(serde_json::to_string(&parsed).unwrap(), json);
    let json = r#"{"type":"rrule","rrule":"FREQ=DAILY","dtstart":"2026-03-01T06:00","duration_minutes":30}"#;
    assert_eq!(serde_json::from_str::<Recurrence>(json).unwrap(), rrule("FREQ=DAILY", "2026-03-01T06:00", 30));
    for unknown in [
        r#"{"type":"weekly","blocks":[],"tz":"UTC"}"#,
        r#"{"type":"weekly","blocks":[{"day":"sun","start":"22:00","end":"06:00","on":true}]}"#,
        r#"{"type":"monthly","blocks":[]}"#,
        r#"{"type":"weekly","blocks":[{"day":"sunday","start":"22:00","end":"06:00"}]}"#,
    ] {
        assert!(serde_json::from_str::<Recurrence>(unknown).is_err(), "{unknown}");
    }
}
