//! API keys: scopes and the token format.
//!
//! A token reads `lore_{key_id}_{secret}`: `key_id` is 16 lower-case hex digits that name
//! the key in the store, `secret` 43 characters of unpadded base64url (256 random bits).
//! Only the SHA-256 of the secret is stored; a presented secret is hashed and compared with
//! the stored hash in constant time.

use std::fmt;

use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use utoipa::ToSchema;

/// What a key may do. Each scope includes the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Read everything (needed only when reads are configured to require a key).
    Read,
    /// Create, change, link and delete records; import catalogues.
    Write,
    /// Everything, including key management.
    Admin,
}

impl Scope {
    /// The canonical spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Admin => "admin",
        }
    }

    /// Parses `read`, `write` or `admin`.
    pub fn parse(raw: &str) -> Option<Scope> {
        match raw {
            "read" => Some(Scope::Read),
            "write" => Some(Scope::Write),
            "admin" => Some(Scope::Admin),
            _ => None,
        }
    }

    /// Whether a key with this scope may do what needs `required`.
    pub fn allows(self, required: Scope) -> bool {
        self >= required
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

const PREFIX: &str = "lore_";
const KEY_ID_LEN: usize = 16;
const SECRET_LEN: usize = 43;

/// A bearer token, split into its public id and its secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Token {
    key_id: String,
    secret: String,
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("key_id", &self.key_id)
            .field("secret", &"***")
            .finish()
    }
}

impl Token {
    /// A token from 8 random bytes for the id and 32 for the secret.
    pub fn from_random(id: [u8; 8], secret: [u8; 32]) -> Token {
        Token {
            key_id: id.iter().map(|b| format!("{b:02x}")).collect(),
            secret: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret),
        }
    }

    /// Parses a presented token; `None` when it does not have the token's shape.
    pub fn parse(raw: &str) -> Option<Token> {
        let rest = raw.strip_prefix(PREFIX)?;
        let (key_id, rest) = rest.split_at_checked(KEY_ID_LEN)?;
        let secret = rest.strip_prefix('_')?;
        let id_ok = key_id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        let secret_ok = secret.len() == SECRET_LEN
            && secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        (id_ok && secret_ok).then(|| Token {
            key_id: key_id.to_owned(),
            secret: secret.to_owned(),
        })
    }

    /// The public part that names the key in the store.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The hex SHA-256 of the secret, as stored.
    pub fn secret_sha256(&self) -> String {
        Sha256::digest(self.secret.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Whether the secret hashes to `stored` (hex SHA-256), compared in constant time.
    pub fn matches(&self, stored: &str) -> bool {
        self.secret_sha256()
            .as_bytes()
            .ct_eq(stored.as_bytes())
            .into()
    }

    /// The whole token, to show its owner once.
    pub fn reveal(&self) -> String {
        format!("{PREFIX}{}_{}", self.key_id, self.secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_match_only_their_own_hash() {
        let token = Token::from_random([1, 2, 3, 4, 5, 6, 7, 8], [9; 32]);
        let parsed = Token::parse(&token.reveal()).expect("a token parses");
        assert_eq!(parsed, token);
        assert_eq!(parsed.key_id(), "0102030405060708");
        assert!(parsed.matches(&token.secret_sha256()));
        let other = Token::from_random([1, 2, 3, 4, 5, 6, 7, 8], [10; 32]);
        assert!(!other.matches(&token.secret_sha256()));
    }

    #[test]
    fn malformed_tokens_are_rejected() {
        let good = Token::from_random([0; 8], [0; 32]).reveal();
        for bad in [
            "",
            "lore_",
            "Bearer x",
            &good[..good.len() - 1],
            &good.replace("lore_", "lora_"),
            &format!("{good}x"),
        ] {
            assert_eq!(Token::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn debug_output_hides_the_secret() {
        let token = Token::from_random([0; 8], [7; 32]);
        let debug = format!("{token:?}");
        assert!(!debug.contains(&token.reveal()[22..]), "{debug}");
    }

    #[test]
    fn scopes_include_the_lower_ones() {
        assert!(Scope::Admin.allows(Scope::Write));
        assert!(Scope::Write.allows(Scope::Read));
        assert!(!Scope::Read.allows(Scope::Write));
        assert!(!Scope::Write.allows(Scope::Admin));
    }
}
