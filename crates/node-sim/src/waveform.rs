//! Believable sensor readings: a daily temperature cycle, humidity that mirrors it, soil
//! moisture that dries out and rises while irrigation runs, a tank that drains while the pump
//! runs, and small deterministic noise.

/// What a simulated sensor measures; the names match core-server's sensor kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Temperature,
    Humidity,
    SoilMoisture,
    Pressure,
    Flow,
    Level,
    Voltage,
    Current,
    Power,
    Generic,
}

impl Kind {
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "temperature" => Kind::Temperature,
            "humidity" => Kind::Humidity,
            "soil_moisture" => Kind::SoilMoisture,
            "pressure" => Kind::Pressure,
            "flow" => Kind::Flow,
            "level" => Kind::Level,
            "voltage" => Kind::Voltage,
            "current" => Kind::Current,
            "power" => Kind::Power,
            "generic" => Kind::Generic,
            _ => return None,
        })
    }
}

const DAY_MS: f64 = 86_400_000.0;
const HOUR_MS: f64 = 3_600_000.0;

/// Deterministic noise in [-1, 1] from a time and a seed (splitmix64).
pub fn noise(t_ms: i64, seed: u64) -> f64 {
    let mut z = (t_ms as u64).wrapping_add(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z as f64 / u64::MAX as f64) * 2.0 - 1.0
}

/// Fraction of the day's cycle, peaking mid-afternoon (15:00 UTC).
fn daily(t_ms: i64) -> f64 {
    let phase = (t_ms as f64 % DAY_MS) / DAY_MS;
    (std::f64::consts::TAU * (phase - 0.375)).sin()
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// State a sensor carries between readings (soil moisture, tank level).
#[derive(Debug, Clone, Copy)]
pub struct Sensor {
    pub kind: Kind,
    pub seed: u64,
    level: f64,
}

/// Which outputs are on, as far as the waveforms care.
#[derive(Debug, Clone, Copy, Default)]
pub struct Drivers {
    pub irrigating: bool,
    pub pumping: bool,
    /// Relays switched on (for current and power draw).
    pub relays_on: u32,
}

impl Sensor {
    pub fn new(kind: Kind, seed: u64) -> Self {
        let level = match kind {
            Kind::SoilMoisture => 32.0,
            Kind::Level => 70.0,
            _ => 0.0,
        };
        Self { kind, seed, level }
    }

    /// The reading at `t_ms`, `dt_ms` after the previous one.
    pub fn read(&mut self, t_ms: i64, dt_ms: i64, drivers: Drivers) -> f64 {
        let n = noise(t_ms, self.seed);
        let hours = dt_ms as f64 / HOUR_MS;
        let v = match self.kind {
            Kind::Temperature => 17.0 + 7.0 * daily(t_ms) + 0.3 * n,
            Kind::Humidity => (68.0 - 18.0 * daily(t_ms) + 1.5 * n).clamp(5.0, 100.0),
            Kind::SoilMoisture => {
                let drying = 0.35 + 0.25 * daily(t_ms).max(0.0);
                let delta = if drivers.irrigating { 9.0 } else { -drying };
                self.level = (self.level + delta * hours).clamp(12.0, 55.0);
                self.level + 0.2 * n
            }
            Kind::Pressure => 1013.0 + 4.0 * ((t_ms as f64 / (3.0 * DAY_MS)) * std::f64::consts::TAU).sin() + 0.3 * n,
            Kind::Flow => {
                if drivers.pumping || drivers.irrigating {
                    12.0 + 0.4 * n
                } else {
                    0.0
                }
            }
            Kind::Level => {
                let delta = if drivers.pumping { -6.0 } else { 1.5 };
                self.level = (self.level + delta * hours).clamp(5.0, 98.0);
                self.level + 0.1 * n
            }
            Kind::Voltage => 12.6 - 0.3 * f64::from(drivers.relays_on.min(4)) / 4.0 + 0.05 * n,
            Kind::Current => 0.2 + 2.8 * f64::from(drivers.relays_on) + 0.05 * n.abs(),
            Kind::Power => 15.0 + 340.0 * f64::from(drivers.relays_on) + 3.0 * n,
            Kind::Generic => 50.0 + 10.0 * daily(t_ms) + n,
        };
        round2(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temperature_peaks_in_the_afternoon() {
        let mut s = Sensor::new(Kind::Temperature, 1);
        let at = |h: i64| h * 3_600_000;
        let afternoon = s.read(at(15), 60_000, Drivers::default());
        let night = s.read(at(27), 60_000, Drivers::default());
        assert!(afternoon > night + 10.0, "{afternoon} vs {night}");
    }

    #[test]
    fn soil_moisture_rises_while_irrigating() {
        let mut s = Sensor::new(Kind::SoilMoisture, 2);
        let before = s.read(0, 60_000, Drivers::default());
        let mut after = before;
        for i in 1..=60 {
            after = s.read(i * 60_000, 60_000, Drivers { irrigating: true, ..Default::default() });
        }
        assert!(after > before + 5.0, "{before} -> {after}");
    }

    #[test]
    fn noise_is_deterministic_and_bounded() {
        assert_eq!(noise(42, 7), noise(42, 7));
        assert!((0..1000).all(|t| noise(t, 3).abs() <= 1.0));
    }
}
