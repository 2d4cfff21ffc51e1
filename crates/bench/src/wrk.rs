//! Fixed-concurrency HTTP load with wrk (Debian's `wrk` package), and what it prints.

use anyhow::{Context, bail};

pub const CONNECTIONS: u32 = 16;
pub const THREADS: u32 = 2;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WrkResult {
    pub requests: u64,
    pub requests_per_s: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

/// Runs wrk against `url` with a bearer token for `seconds`; any non-2xx answer is an error.
pub fn run(url: &str, token: &str, seconds: u64) -> anyhow::Result<WrkResult> {
    let out = std::process::Command::new("wrk")
        .args(["-t", &THREADS.to_string(), "-c", &CONNECTIONS.to_string(), "-d", &format!("{seconds}s"), "--latency"])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .arg(url)
        .output()
        .context("running wrk (apt-get install wrk)")?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() || text.contains("Non-2xx") || text.contains("Socket errors") {
        bail!("wrk failed or saw errors against {url}:\n{text}{}", String::from_utf8_lossy(&out.stderr));
    }
    parse(&text)
}

pub fn parse(text: &str) -> anyhow::Result<WrkResult> {
    let requests_per_s = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .context("wrk output has no Requests/sec")?;
    let requests = text
        .lines()
        .find_map(|l| l.trim().split_once(" requests in "))
        .and_then(|(n, _)| n.trim().parse().ok())
        .context("wrk output has no request count")?;
    let percentile = |p: &str| -> anyhow::Result<f64> {
        let value = text
            .lines()
            .find_map(|l| l.trim().strip_prefix(p).map(str::trim))
            .with_context(|| format!("wrk output has no {p} latency (run with --latency)"))?;
        duration_ms(value)
    };
    Ok(WrkResult { requests, requests_per_s, p50_ms: percentile("50%")?, p99_ms: percentile("99%")? })
}

fn duration_ms(text: &str) -> anyhow::Result<f64> {
    let (number, factor) = if let Some(v) = text.strip_suffix("us") {
        (v, 0.001)
    } else if let Some(v) = text.strip_suffix("ms") {
        (v, 1.0)
    } else if let Some(v) = text.strip_suffix('m') {
        (v, 60_000.0)
    } else if let Some(v) = text.strip_suffix('s') {
        (v, 1000.0)
    } else {
        bail!("unknown wrk duration {text}")
    };
    Ok(number.parse::<f64>()? * factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "Running 10s test @ http://127.0.0.1:1/api/nodes
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.02ms  412.00us   9.80ms   80.00%
    Req/Sec     7.90k   300.00     8.50k    70.00%
  Latency Distribution
     50%  950.00us
     75%    1.10ms
     90%    1.40ms
     99%    2.50ms
  157234 requests in 10.00s, 120.00MB read
Requests/sec:  15723.40
Transfer/sec:     12.00MB
";

    #[test]
    fn reads_throughput_count_and_percentiles() {
        let r = parse(SAMPLE).unwrap();
        assert_eq!((r.requests, r.requests_per_s, r.p99_ms), (157_234, 15_723.4, 2.5));
        assert!((r.p50_ms - 0.95).abs() < 1e-9, "{r:?}");
    }

    #[test]
    fn output_without_percentiles_is_an_error() {
        let without = SAMPLE.replace("     99%    2.50ms\n", "");
        assert!(parse(&without).unwrap_err().to_string().contains("99%"));
    }
}
