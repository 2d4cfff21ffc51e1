//! Property tests: whatever the valid schedule and range around a clock change, expansion yields
//! sorted, non-overlapping, non-empty occurrences within the range and the limit.

use chrono::{DateTime, TimeDelta};
use chrono_tz::Tz;
use proptest::prelude::*;

use super::*;

const ZONES: [Tz; 3] = [chrono_tz::America::Los_Angeles, chrono_tz::Europe::Berlin, chrono_tz::Australia::Lord_Howe];

/// The 2026 transitions of `ZONES`, in the same order: (spring or autumn, UTC ms).
const TRANSITIONS: [[i64; 2]; 3] = [
    [1_772_964_000_000, 1_793_523_600_000],
    [1_774_746_000_000, 1_792_890_000_000],
    [1_775_314_800_000, 1_791_041_400_000],
];

const MINUTE: i64 = 60_000;
const DAY: i64 = 1440 * MINUTE;

fn config() -> ProptestConfig {
    // No regression files: they would land in the source tree. Failures print the minimal case.
    ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() }
}

/// A zone, and a range starting within ten days of one of its transitions, up to three weeks long.
fn zone_and_range() -> impl Strategy<Value = (Tz, i64, i64)> {
    (0..3usize, 0..2usize, -10 * 1440..10 * 1440i64, 1..21 * 1440i64).prop_map(|(zone, which, start, span)| {
        let from = TRANSITIONS[zone][which] + start * MINUTE;
        (ZONES[zone], from, from + span * MINUTE)
    })
}

/// Random blocks, keeping each only if the set stays valid: a valid set of one to a dozen blocks.
fn weekly_blocks() -> impl Strategy<Value = Recurrence> {
    let days = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun];
    // Starts near the small hours are likelier, so that blocks meet the clock changes.
    let minute = prop_oneof![0..1440i64, 60..200i64];
    prop::collection::vec((0..7usize, minute, 1..1440i64), 1..12).prop_map(move |raw| {
        let hh_mm = |m: i64| format!("{:02}:{:02}", m / 60 % 24, m % 60);
        let mut blocks = Vec::new();
        for (day, start, length) in raw {
            blocks.push(Block { day: days[day], start: hh_mm(start), end: hh_mm(start + length) });
            if validate(&Recurrence::Weekly { blocks: blocks.clone() }).is_err() {
                blocks.pop();
            }
        }
        Recurrence::Weekly { blocks }
    })
}

/// A small RRULE generator: frequencies from every 15 minutes to weekly, some with BYxxx parts,
/// started up to a month before a range near a transition.
fn rrule_parts() -> impl Strategy<Value = (String, i64, i64)> {
    let rule = prop_oneof![
        prop::sample::select(vec![15u32, 30, 45, 50, 90])
            .prop_map(|i| (format!("FREQ=MINUTELY;INTERVAL={i}"), i64::from(i))),
        (1..4u32).prop_map(|i| (format!("FREQ=HOURLY;INTERVAL={i}"), 60 * i64::from(i))),
        (0..60u32).prop_map(|m| (format!("FREQ=HOURLY;BYMINUTE={m}"), 60)),
        (1..3u32, prop::sample::subsequence(vec![0u32, 1, 2, 3, 22, 23], 1..4)).prop_map(|(i, hours)| {
            let hours: Vec<String> = hours.iter().map(u32::to_string).collect();
            (format!("FREQ=DAILY;INTERVAL={i};BYHOUR={}", hours.join(",")), 60)
        }),
        prop::sample::subsequence(vec!["MO", "TU", "WE", "TH", "FR", "SA", "SU"], 1..4)
            .prop_map(|days| (format!("FREQ=WEEKLY;BYDAY={}", days.join(",")), 1440)),
    ];
    let count = prop::option::of(1..200u32);
    (rule, count, 0..30 * 1440i64, 0..24 * 60i64).prop_map(|((rule, shortest), count, back, time)| {
        let rule = match count {
            Some(n) => format!("{rule};COUNT={n}"),
            None => rule,
        };
        (rule, shortest, back * MINUTE + time * MINUTE)
    })
}

fn dtstart_for(tz: Tz, from: i64, back: i64) -> String {
    let wall = DateTime::from_timestamp_millis(from - back).unwrap().with_timezone(&tz).naive_local();
    wall.format("%Y-%m-%dT%H:%M").to_string()
}

fn check_shape(
    occurrences: &[Occurrence],
    tz: Tz,
    from: i64,
    to: i64,
    limit: usize,
) -> std::result::Result<(), TestCaseError> {
    prop_assert!(occurrences.len() <= limit, "{} > limit {limit}", occurrences.len());
    for o in occurrences {
        prop_assert!(o.end > o.start, "empty or negative: {o:?}");
        prop_assert!(o.end > from && o.start < to, "outside [{from}, {to}): {o:?}");
        let local = DateTime::from_timestamp_millis(o.start).unwrap().with_timezone(&tz).format("%Y-%m-%dT%H:%M");
        prop_assert_eq!(&o.start_local, &local.to_string());
    }
    for pair in occurrences.windows(2) {
        prop_assert!(pair[0].end <= pair[1].start, "overlap or out of order: {:?} then {:?}", pair[0], pair[1]);
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn weekly_expansion_is_sorted_disjoint_and_limited(
        recurrence in weekly_blocks(),
        (tz, from, to) in zone_and_range(),
        limit in 0..40usize,
    ) {
        let all = expand(&recurrence, tz, from, to, usize::MAX);
        check_shape(&all, tz, from, to, usize::MAX)?;
        let limited = expand(&recurrence, tz, from, to, limit);
        check_shape(&limited, tz, from, to, limit)?;
        // The limit keeps the earliest occurrences, never others.
        prop_assert_eq!(&limited[..], &all[..limit.min(all.len())]);
        // Every weekday comes twice in 15 days, and a clock change can drop a block only once.
        if to - from >= 15 * DAY {
            prop_assert!(!all.is_empty());
        }
    }

    #[test]
    fn rrule_expansion_is_sorted_disjoint_and_limited(
        (rule, shortest, back) in rrule_parts(),
        duration_share in 1..=100i64,
        (tz, from, to) in zone_and_range(),
        limit in 0..40usize,
    ) {
        let duration = (shortest * duration_share / 100).max(1);
        let recurrence = Recurrence::Rrule { rrule: rule, dtstart: dtstart_for(tz, from, back), duration_minutes: duration };
        // Some combinations start occurrences closer than `shortest` (BYHOUR=22,23): validation
        // rejects those, and only valid rules are expanded.
        prop_assume!(validate(&recurrence).is_ok());
        let all = expand(&recurrence, tz, from, to, usize::MAX);
        check_shape(&all, tz, from, to, usize::MAX)?;
        let limited = expand(&recurrence, tz, from, to, limit);
        check_shape(&limited, tz, from, to, limit)?;
        prop_assert_eq!(&limited[..], &all[..limit.min(all.len())]);
    }

    #[test]
    fn active_at_and_next_transition_agree_with_expansion(
        recurrence in weekly_blocks(),
        (tz, at, _) in zone_and_range(),
    ) {
        // A lone block lost in a gap comes back two weeks later.
        let around = expand(&recurrence, tz, at - 2 * DAY, at + 16 * DAY, usize::MAX);
        let covering = around.iter().find(|o| o.start <= at && at < o.end);
        prop_assert_eq!(active_at(&recurrence, tz, at), covering.cloned());
        let next = around.iter().flat_map(|o| [o.start, o.end]).filter(|t| *t > at).min();
        prop_assert_eq!(next_transition(&recurrence, tz, at), next);
    }
}

#[test]
fn generated_ranges_straddle_the_transitions() {
    // Guards the constants above: each listed instant really is a change of UTC offset.
    for (tz, instants) in ZONES.iter().zip(TRANSITIONS) {
        for at in instants {
            let offset = |ms: i64| {
                let local = DateTime::from_timestamp_millis(ms).unwrap().with_timezone(tz);
                local.naive_local() - local.naive_utc()
            };
            assert_ne!(offset(at - 1000), offset(at), "{tz} at {at}");
            assert!((offset(at) - offset(at - 1000)).abs() <= TimeDelta::hours(1));
        }
    }
}
