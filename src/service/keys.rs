//! API keys: issuing, listing, revoking, and authenticating bearer tokens.

use rand::RngCore;

use super::{Result, Service, ServiceError};
use crate::domain::{Scope, Token};
use crate::store::{StoreError, StoredKey};

/// Who made a request: the name and scope of a valid, unrevoked key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub name: String,
    pub scope: Scope,
}

/// Why a presented token does not authenticate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    /// Not a token lore issued (wrong shape).
    Malformed,
    /// No key has this id, the secret does not match, or the key was revoked.
    Invalid,
}

/// Longest key name, in characters.
pub const MAX_KEY_NAME: usize = 64;

fn valid_key_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_KEY_NAME
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.@".contains(&b))
}

impl Service {
    /// Issues a key and returns its token, which is shown once and never stored.
    ///
    /// # Errors
    /// [`ServiceError::InvalidKeyName`]; [`ServiceError::KeyExists`] when the name is taken;
    /// [`ServiceError::Store`].
    pub async fn create_key(&self, name: &str, scope: Scope) -> Result<Token> {
        if !valid_key_name(name) {
            return Err(ServiceError::InvalidKeyName {
                name: name.to_owned(),
            });
        }
        let mut id = [0u8; 8];
        let mut secret = [0u8; 32];
        let mut rng = rand::rng();
        rng.fill_bytes(&mut id);
        rng.fill_bytes(&mut secret);
        let token = Token::from_random(id, secret);
        match self
            .store
            .insert_key(name, token.key_id(), &token.secret_sha256(), scope)
            .await
        {
            Ok(()) => Ok(token),
            Err(StoreError::Conflict { .. }) => Err(ServiceError::KeyExists {
                name: name.to_owned(),
            }),
            Err(err) => Err(err.into()),
        }
    }

    /// Every key, without secrets.
    ///
    /// # Errors
    /// [`ServiceError::Store`].
    pub async fn list_keys(&self) -> Result<Vec<StoredKey>> {
        Ok(self.store.list_keys().await?)
    }

    /// Revokes a key; returns whether an active key had that name.
    ///
    /// # Errors
    /// [`ServiceError::Store`].
    pub async fn revoke_key(&self, name: &str) -> Result<bool> {
        Ok(self.store.revoke_key(name).await?)
    }

    /// Checks a bearer token.
    ///
    /// # Errors
    /// [`ServiceError::Store`] when the store cannot be asked.
    pub async fn authenticate(&self, raw: &str) -> Result<Result<Principal, AuthFailure>> {
        let Some(token) = Token::parse(raw) else {
            return Ok(Err(AuthFailure::Malformed));
        };
        let Some(key) = self.store.key_by_id(token.key_id()).await? else {
            return Ok(Err(AuthFailure::Invalid));
        };
        if key.revoked_at.is_some() || !token.matches(&key.secret_sha256) {
            return Ok(Err(AuthFailure::Invalid));
        }
        Ok(Ok(Principal {
            name: key.name,
            scope: key.scope,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_names_are_short_and_plain() {
        assert!(valid_key_name("curator-1"));
        assert!(valid_key_name("ci@lore.example"));
        assert!(!valid_key_name(""));
        assert!(!valid_key_name("has space"));
        assert!(!valid_key_name(&"x".repeat(65)));
    }
}
