//! Finds field nodes advertising `_farmnode._tcp` over mDNS (Linux and macOS alike, through
//! mdns-sd) and lists them as adoption candidates, as if they had announced themselves. Off by
//! default (`--mdns`); tests use the announce endpoint instead.

use std::net::IpAddr;

use crate::app::AppState;
use crate::domain::nodes::{parse_label, parse_mac};
use crate::store::adoption::{Announcement, Source};

pub const SERVICE: &str = "_farmnode._tcp.local.";

/// What a node's TXT record says: `mac` (required), `model` and `agent` (optional).
pub fn announcement(txt: impl Fn(&str) -> Option<String>, address: Option<IpAddr>) -> Option<Announcement> {
    let mac = parse_mac("mac", &txt("mac")?).ok()?;
    let model = parse_label("model", &txt("model").unwrap_or_default()).ok()?;
    let agent_version = parse_label("agent_version", &txt("agent").unwrap_or_default()).ok()?;
    Some(Announcement { mac, model, agent_version, ip: address.map(|a| a.to_string()), source: Source::Mdns })
}

/// Browses until the server stops; a failure to start (no multicast here) is logged, not fatal.
pub async fn run(state: AppState) {
    let daemon = match mdns_sd::ServiceDaemon::new() {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!("mDNS discovery is off: {e}");
            return;
        }
    };
    let events = match daemon.browse(SERVICE) {
        Ok(rx) => rx,
        Err(e) => {
            tracing::warn!("mDNS discovery is off: {e}");
            return;
        }
    };
    tracing::info!(service = SERVICE, "looking for field nodes over mDNS");
    while let Ok(event) = events.recv_async().await {
        let mdns_sd::ServiceEvent::ServiceResolved(info) = event else { continue };
        let address = info.get_addresses().iter().next().map(|ip| ip.to_ip_addr());
        let txt = |key: &str| info.get_properties().get_property_val_str(key).map(str::to_owned);
        match announcement(txt, address) {
            Some(a) => {
                if let Err(e) = state.store.candidate_announce(a, state.clock.now_ms()).await {
                    tracing::warn!("recording an mDNS candidate failed: {e}");
                }
            }
            None => tracing::debug!(name = info.get_fullname(), "mDNS service without a valid mac in its TXT record"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn txt_records_become_announcements() {
        let txt = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|(key, _)| *key == k).map(|(_, v)| (*v).to_owned())
        };
        let a = announcement(
            txt(&[("mac", "B8-27-EB-01-02-03"), ("model", "Pi 4"), ("agent", "2.1")]),
            "10.0.0.7".parse().ok(),
        )
        .unwrap();
        assert_eq!((a.mac.as_str(), a.model.as_str(), a.agent_version.as_str()), ("b8:27:eb:01:02:03", "Pi 4", "2.1"));
        assert_eq!(a.ip.as_deref(), Some("10.0.0.7"));
        assert!(announcement(txt(&[("model", "Pi 4")]), None).is_none(), "no mac");
        assert!(announcement(txt(&[("mac", "nope")]), None).is_none());
    }
}
