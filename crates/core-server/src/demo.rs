//! The demo farm for `serve --demo`: an admin with a one-time password, a site, three nodes
//! with ten sensors and six outputs, 30 days of one-minute history, and `demo-nodes.json` with
//! the node tokens for `node-sim`.

use std::path::Path;

use anyhow::Context;
use node_sim::waveform::{self, Drivers, Kind};
use serde_json::json;

use crate::auth::{password, secrets};
use crate::domain::metrics::HOUR_MS;
use crate::domain::outputs::OutputKind;
use crate::domain::sensors::{Reading, SensorKind};
use crate::domain::site::Units;
use crate::domain::users::{Role, Username};
use crate::store::Store;
use crate::store::nodes::{NewNode, NewOutput, NewSensor};
use crate::store::site::SiteChange;

pub const HISTORY_DAYS: i64 = 30;
const MINUTE_MS: i64 = 60_000;

struct DemoSensor(&'static str, &'static str, SensorKind, &'static str);
struct DemoOutput(&'static str, &'static str, OutputKind, i64);
struct DemoNode(&'static str, &'static str, &'static [DemoSensor], &'static [DemoOutput]);

const NODES: &[DemoNode] = &[
    DemoNode(
        "Greenhouse",
        "b8:27:eb:00:00:01",
        &[
            DemoSensor("air_temp", "Air temperature", SensorKind::Temperature, "°C"),
            DemoSensor("air_humidity", "Air humidity", SensorKind::Humidity, "%"),
            DemoSensor("soil_bed_a", "Soil moisture, bed A", SensorKind::SoilMoisture, "%"),
            DemoSensor("soil_bed_b", "Soil moisture, bed B", SensorKind::SoilMoisture, "%"),
        ],
        &[
            DemoOutput("irrigation_valve", "Irrigation valve", OutputKind::Relay, 0),
            DemoOutput("vent_fan", "Vent fan", OutputKind::Relay, 0),
            DemoOutput("grow_lights", "Grow lights", OutputKind::Level, 0),
        ],
    ),
    DemoNode(
        "Pump house",
        "b8:27:eb:00:00:02",
        &[
            DemoSensor("tank_level", "Tank level", SensorKind::Level, "%"),
            DemoSensor("line_pressure", "Line pressure", SensorKind::Pressure, "hPa"),
            DemoSensor("flow", "Flow", SensorKind::Flow, "L/min"),
        ],
        &[DemoOutput("pump", "Well pump", OutputKind::Relay, 0)],
    ),
    DemoNode(
        "Barn",
        "b8:27:eb:00:00:03",
        &[
            DemoSensor("barn_temp", "Barn temperature", SensorKind::Temperature, "°C"),
            DemoSensor("battery", "Battery voltage", SensorKind::Voltage, "V"),
            DemoSensor("power", "Power draw", SensorKind::Power, "W"),
        ],
        &[
            DemoOutput("heater", "Heater", OutputKind::Relay, 0),
            DemoOutput("barn_lights", "Barn lights", OutputKind::Relay, 0),
        ],
    ),
];

fn waveform_kind(kind: SensorKind) -> Kind {
    Kind::parse(kind.as_str()).unwrap_or(Kind::Generic)
}

/// The demo's irrigation routine, so the history shows soil moisture rising at dawn.
fn drivers_at(t_ms: i64) -> Drivers {
    let minute_of_day = (t_ms.rem_euclid(24 * HOUR_MS)) / MINUTE_MS;
    let irrigating = (13 * 60..13 * 60 + 30).contains(&minute_of_day);
    let pumping = (12 * 60 + 50..13 * 60 + 40).contains(&minute_of_day);
    Drivers { irrigating, pumping, relays_on: u32::from(irrigating) + u32::from(pumping) }
}

/// Creates the admin (when no user exists) and the demo farm (when no node exists).
/// Returns the admin password when one was created, to be printed once.
pub async fn seed(store: &dyn Store, data_dir: &Path, now: i64) -> anyhow::Result<Option<String>> {
    let mut admin_password = None;
    if store.users_count().await? == 0 {
        let password: String = secrets::random_secret().chars().filter(char::is_ascii_alphanumeric).take(16).collect();
        let hash = password::hash(&password)?;
        store.user_create(&Username::parse("username", "admin")?, hash, Role::Admin, now).await?;
        admin_password = Some(password);
    }
    if !store.nodes_list(now).await?.is_empty() {
        return Ok(admin_password);
    }
    store
        .site_update(
            SiteChange {
                name: Some("Demo Farm".into()),
                // The waveforms peak mid-afternoon UTC, which is mid-afternoon here too.
                timezone: Some("Europe/Berlin".into()),
                units: Some(Units::Metric),
            },
            now,
        )
        .await?;
    let mut nodes_file = Vec::new();
    let mut readings = Vec::new();
    let start = now - HISTORY_DAYS * 24 * HOUR_MS;
    for (n, DemoNode(name, mac, sensors, outputs)) in NODES.iter().enumerate() {
        let token = secrets::new_node_token();
        let new = NewNode {
            name: (*name).into(),
            mac: (*mac).into(),
            model: "Raspberry Pi 4".into(),
            agent_version: "demo".into(),
            heartbeat_interval_s: 15,
            token_hash: secrets::digest(&token),
            sensors: sensors
                .iter()
                .map(|DemoSensor(key, name, kind, unit)| NewSensor {
                    key: (*key).into(),
                    name: (*name).into(),
                    kind: *kind,
                    unit: (*unit).into(),
                    interval_s: 10,
                    retention_days: 365,
                })
                .collect(),
            outputs: outputs
                .iter()
                .map(|DemoOutput(key, name, kind, default)| NewOutput {
                    key: (*key).into(),
                    name: (*name).into(),
                    kind: *kind,
                    default_state: *default,
                })
                .collect(),
        };
        let (_, created_sensors, _) = store.node_create(new, now).await?;
        for (i, sensor) in created_sensors.iter().enumerate() {
            let mut wave = waveform::Sensor::new(waveform_kind(sensor.kind), (n * 10 + i) as u64 + 1);
            let mut t = start;
            while t < now {
                readings.push(Reading { sensor_id: sensor.id, ts: t, value: wave.read(t, MINUTE_MS, drivers_at(t)) });
                t += MINUTE_MS;
            }
        }
        nodes_file.push(json!({
            "name": name,
            "token": token,
            "sensors": sensors.iter().map(|s| json!({"key": s.0, "kind": s.2.as_str()})).collect::<Vec<_>>(),
            "outputs": outputs.iter().map(|o| json!({"key": o.0, "kind": o.2.as_str(), "default_state": o.3})).collect::<Vec<_>>(),
        }));
    }
    let stored = store.metrics_import(readings).await?.stored;
    write_secret_file(&data_dir.join("demo-nodes.json"), &serde_json::to_vec_pretty(&json!({ "nodes": nodes_file }))?)?;
    tracing::info!(readings = stored, days = HISTORY_DAYS, "demo farm seeded");
    Ok(admin_password)
}

/// Writes a file only its owner can read: it holds node tokens.
fn write_secret_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).with_context(|| format!("writing {}", path.display()))?;
    file.write_all(bytes).with_context(|| format!("writing {}", path.display()))
}
