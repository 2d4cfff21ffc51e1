//! Live events for the dashboard (`GET /api/events`): a broadcast channel plus a short replay
//! buffer, so a client that reconnects with `Last-Event-ID` misses nothing that is still
//! buffered, and is told to reload (`reset`) when it missed more than that.
//!
//! Each event's data is JSON:
//! - `node`, `output`, `sensor`: the resource exactly as its `GET` returns it, after it was
//!   created or changed. A removed output or sensor is announced once more with the resource as
//!   it was just before, plus `removed_at` (RFC 3339): a payload with `removed_at` means "gone".
//!   A sensor removed with `purge=true` is announced the same way.
//! - `command`: the command as `GET /api/commands` lists it, at each change of status.
//! - `reading`: `{sensor_id, ts, value}`, at most one per sensor per second.
//! - `backup`: a backup's progress and end; `alarm`: an alarm raised.
//!
//! Handlers publish after their transaction committed, and only on success.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use tokio::sync::broadcast;

use crate::domain::nodes::Node;
use crate::domain::outputs::{Command, Output};
use crate::domain::sensors::{Reading, Sensor};
use crate::domain::time::Timestamp;

/// Events kept for resuming clients.
pub const REPLAY: usize = 1024;
/// Sensor readings are forwarded at most once per sensor per this long.
pub const READING_THROTTLE_MS: i64 = 1000;

#[derive(Debug, Clone)]
pub struct Event {
    pub id: u64,
    /// `node`, `sensor`, `reading`, `output`, `command`, `backup`, `alarm` (or `reset`, sent
    /// only to one client).
    pub kind: &'static str,
    pub data: String,
}

#[derive(Serialize)]
struct ReadingEvent {
    sensor_id: i64,
    ts: Timestamp,
    value: f64,
}

/// A removed resource as it was, marked with when it went.
#[derive(Serialize)]
struct Removed<'a, T> {
    #[serde(flatten)]
    resource: &'a T,
    removed_at: Timestamp,
}

struct Inner {
    next_id: u64,
    replay: VecDeque<Arc<Event>>,
    last_reading: HashMap<i64, i64>,
}

pub struct Events {
    tx: broadcast::Sender<Arc<Event>>,
    inner: Mutex<Inner>,
}

/// What a subscriber gets: events it missed, then the live stream.
pub struct Subscription {
    pub backlog: Vec<Arc<Event>>,
    /// The client's `Last-Event-ID` is older than the buffer (or from another run): reload.
    pub reset: bool,
    pub live: broadcast::Receiver<Arc<Event>>,
}

impl Events {
    /// Ids start at the current epoch milliseconds so they keep increasing across restarts.
    pub fn new(first_id: u64) -> Self {
        let (tx, _) = broadcast::channel(REPLAY);
        Self {
            tx,
            inner: Mutex::new(Inner {
                next_id: first_id.max(1),
                replay: VecDeque::new(),
                last_reading: HashMap::new(),
            }),
        }
    }

    fn publish(&self, kind: &'static str, data: &impl Serialize) {
        let Ok(data) = serde_json::to_string(data) else { return };
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let event = Arc::new(Event { id: inner.next_id, kind, data });
        inner.next_id += 1;
        if inner.replay.len() == REPLAY {
            inner.replay.pop_front();
        }
        inner.replay.push_back(Arc::clone(&event));
        // No receivers is fine: nobody is watching.
        let _ = self.tx.send(event);
    }

    pub fn node(&self, node: &Node) {
        self.publish("node", node);
    }

    pub fn output(&self, output: &Output) {
        self.publish("output", output);
    }

    /// `output` as it was before its removal at `removed_at` (epoch ms).
    pub fn output_removed(&self, output: &Output, removed_at: i64) {
        self.publish("output", &Removed { resource: output, removed_at: Timestamp(removed_at) });
    }

    pub fn sensor(&self, sensor: &Sensor) {
        self.publish("sensor", sensor);
    }

    /// `sensor` as it was before its removal at `removed_at` (epoch ms).
    pub fn sensor_removed(&self, sensor: &Sensor, removed_at: i64) {
        self.publish("sensor", &Removed { resource: sensor, removed_at: Timestamp(removed_at) });
    }

    pub fn command(&self, command: &Command) {
        self.publish("command", command);
    }

    /// Progress and completion of a backup.
    pub fn backup(&self, progress: &impl Serialize) {
        self.publish("backup", progress);
    }

    pub fn alarm(&self, alarm: &crate::store::schedules::Alarm) {
        self.publish("alarm", alarm);
    }

    /// Forwards a reading unless this sensor had one forwarded within the last second.
    pub fn reading(&self, reading: &Reading, now: i64) {
        {
            let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            let last = inner.last_reading.entry(reading.sensor_id).or_insert(i64::MIN);
            if now.saturating_sub(*last) < READING_THROTTLE_MS {
                return;
            }
            *last = now;
        }
        self.publish(
            "reading",
            &ReadingEvent { sensor_id: reading.sensor_id, ts: Timestamp(reading.ts), value: reading.value },
        );
    }

    pub fn subscribe(&self, last_event_id: Option<u64>) -> Subscription {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        // Subscribing under the lock: nothing published between backlog and live is lost.
        let live = self.tx.subscribe();
        let Some(last) = last_event_id else {
            return Subscription { backlog: Vec::new(), reset: false, live };
        };
        let oldest = inner.replay.front().map_or(inner.next_id, |e| e.id);
        let known = last.saturating_add(1) >= oldest && last < inner.next_id;
        let backlog = if known { inner.replay.iter().filter(|e| e.id > last).cloned().collect() } else { Vec::new() };
        Subscription { backlog, reset: !known, live }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(sensor_id: i64) -> Reading {
        Reading { sensor_id, ts: 0, value: 1.0 }
    }

    #[test]
    fn resumes_after_the_last_seen_event() {
        let events = Events::new(100);
        for i in 0..3 {
            events.reading(&reading(i), 0);
        }
        let sub = events.subscribe(Some(100));
        assert!(!sub.reset);
        assert_eq!(sub.backlog.iter().map(|e| e.id).collect::<Vec<_>>(), vec![101, 102]);
        assert!(events.subscribe(Some(5)).reset, "an id from before the buffer");
        assert!(events.subscribe(Some(9_999)).reset, "an id from another run");
        assert!(events.subscribe(Some(u64::MAX)).reset, "no overflow on a hostile id");
    }

    #[test]
    fn a_removal_is_the_resource_as_it_was_with_removed_at_last() {
        let events = Events::new(1);
        let sensor = Sensor {
            id: 3,
            node_id: 1,
            key: "soil".into(),
            name: "Soil".into(),
            kind: crate::domain::sensors::SensorKind::SoilMoisture,
            unit: "%".into(),
            interval_s: 60,
            retention_days: 30,
            last_value: Some(33.5),
            last_ts: Some(Timestamp(0)),
        };
        events.sensor(&sensor);
        events.sensor_removed(&sensor, 1000);
        let sub = events.subscribe(Some(0));
        let body = r#""id":3,"node_id":1,"key":"soil","name":"Soil","kind":"soil_moisture","unit":"%","interval_s":60,"retention_days":30,"last_value":33.5,"last_ts":"1970-01-01T00:00:00.000Z""#;
        let got: Vec<_> = sub.backlog.iter().map(|e| (e.kind, e.data.as_str())).collect();
        assert_eq!(
            got,
            [
                ("sensor", format!("{{{body}}}").as_str()),
                ("sensor", format!(r#"{{{body},"removed_at":"1970-01-01T00:00:01.000Z"}}"#).as_str())
            ]
        );
    }

    #[test]
    fn readings_are_throttled_per_sensor() {
        let events = Events::new(1);
        events.reading(&reading(1), 0);
        events.reading(&reading(1), 999);
        events.reading(&reading(2), 999);
        events.reading(&reading(1), 1000);
        let sub = events.subscribe(Some(0));
        let data: Vec<_> = sub.backlog.iter().map(|e| e.data.clone()).collect();
        assert_eq!(data.len(), 3, "{data:?}");
    }
}
