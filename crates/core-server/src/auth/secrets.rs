//! Random bearer secrets (session cookies, API tokens) and the digests stored in their place.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

pub const API_TOKEN_PREFIX: &str = "fct_";
pub const NODE_TOKEN_PREFIX: &str = "fcn_";
pub const ADOPTION_TOKEN_PREFIX: &str = "fca_";
/// Characters of a token shown in lists so an operator can tell tokens apart.
pub const DISPLAY_PREFIX_LEN: usize = 12;

/// 256 random bits, URL-safe base64.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn new_api_token() -> String {
    format!("{API_TOKEN_PREFIX}{}", random_secret())
}

pub fn new_adoption_token() -> String {
    format!("{ADOPTION_TOKEN_PREFIX}{}", random_secret())
}

pub fn new_node_token() -> String {
    format!("{NODE_TOKEN_PREFIX}{}", random_secret())
}

/// The secrets are high-entropy, so a fast digest suffices; a database leak reveals no usable secret.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_distinct_and_digests_stable() {
        assert_ne!(random_secret(), random_secret());
        assert!(new_api_token().starts_with("fct_"));
        assert_eq!(digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
