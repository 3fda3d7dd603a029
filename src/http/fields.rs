//! Field selection for JSON representations: `fields=slug,title,url` keeps only those
//! members of each record, `links=none|ids|full` leaves out or shortens the embedded
//! links (`concepts`, `resources`). Other representations (BibTeX, CSL-JSON, RIS) are
//! always whole.
//!
//! The field names are the properties of the record's view schema, so the parameter,
//! its OpenAPI enum and the view cannot disagree.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde::Serialize;
use serde_json::Value;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;
use utoipa::{PartialSchema, ToSchema};

use super::problem::{ApiError, ErrorCode};
use super::query::Query;
use super::search::SearchHitView;
use super::views::{ConceptView, ResourceView};

/// How much of each embedded link a representation carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkDetail {
    /// No `concepts` and `resources` arrays.
    None,
    /// Each link as its `relation`, `direction` and the other end's `slug`.
    Ids,
    /// Each link whole, with the other end's title and URL (the default).
    #[default]
    Full,
}

/// The members of a link that `links=ids` keeps.
const LINK_IDS: &[&str] = &["relation", "direction", "slug"];
/// The members that hold links.
const LINK_MEMBERS: &[&str] = &["concepts", "resources"];

/// What a request asks to see of each record.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Selection {
    /// The members to keep; `None` keeps all.
    fields: Option<BTreeSet<String>>,
    links: LinkDetail,
}

impl Selection {
    /// Reads `fields` (names among `allowed`, repeated or comma-separated) and, when
    /// `with_links`, `links`.
    ///
    /// # Errors
    /// `invalid_parameter` naming the parameter and the allowed values.
    pub fn parse(query: &Query, allowed: &[String], with_links: bool) -> Result<Self, ApiError> {
        let names = query.values("fields")?;
        let fields = if names.is_empty() {
            None
        } else {
            let mut chosen = BTreeSet::new();
            for name in names {
                if !allowed.iter().any(|a| a == name) {
                    return Err(ApiError::new(
                        ErrorCode::InvalidParameter,
                        format!(
                            "`{name}` is not a field of this record; expected some of: {}",
                            allowed.join(", ")
                        ),
                    )
                    .field(
                        "fields",
                        format!("`{name}` is not a field"),
                        Some(allowed.to_vec()),
                    ));
                }
                chosen.insert(name.to_owned());
            }
            Some(chosen)
        };
        let links = if with_links {
            match query.single("links")? {
                None => LinkDetail::Full,
                Some(raw) => {
                    match raw.trim() {
                        "none" => LinkDetail::None,
                        "ids" => LinkDetail::Ids,
                        "full" => LinkDetail::Full,
                        other => {
                            let allowed = ["none", "ids", "full"].map(str::to_owned).to_vec();
                            return Err(ApiError::new(
                            ErrorCode::InvalidParameter,
                            format!("`{other}` is not a link detail; expected one of: none, ids, full"),
                        )
                        .field("links", format!("`{other}` is not a link detail"), Some(allowed)));
                        }
                    }
                }
            }
        } else {
            LinkDetail::Full
        };
        Ok(Selection { fields, links })
    }

    /// Whether the selection keeps the record as it is.
    pub fn is_whole(&self) -> bool {
        self.fields.is_none() && self.links == LinkDetail::Full
    }

    /// Whether the selected members need the record's links (`topics`, `concepts`,
    /// `resources`).
    pub fn needs_links(&self) -> bool {
        let wanted = |member: &str| self.fields.as_ref().is_none_or(|f| f.contains(member));
        wanted("topics")
            || (self.links != LinkDetail::None && LINK_MEMBERS.iter().any(|m| wanted(m)))
    }

    /// One record with only the selected members: the view itself when the selection
    /// keeps it whole (written straight to the body, without a JSON tree in between).
    pub fn select<'a, T: Serialize>(&self, view: &'a T) -> Selected<'a, T> {
        if self.is_whole() {
            Selected::Whole(view)
        } else {
            Selected::Part(self.apply(view))
        }
    }

    /// One record's JSON with only the selected members.
    pub fn apply(&self, view: &impl Serialize) -> Value {
        let mut value = serde_json::to_value(view).unwrap_or(Value::Null);
        if let Value::Object(members) = &mut value {
            if let Some(fields) = &self.fields {
                members.retain(|name, _| fields.contains(name));
            }
            for name in LINK_MEMBERS {
                match self.links {
                    LinkDetail::Full => {}
                    LinkDetail::None => {
                        members.remove(*name);
                    }
                    LinkDetail::Ids => {
                        if let Some(Value::Array(links)) = members.get_mut(*name) {
                            for link in links {
                                if let Value::Object(link) = link {
                                    link.retain(|k, _| LINK_IDS.contains(&k.as_str()));
                                }
                            }
                        }
                    }
                }
            }
        }
        value
    }
}

/// A record as a [`Selection`] keeps it; serialises as the record's JSON.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Selected<'a, T> {
    /// Every member, as the view writes them.
    Whole(&'a T),
    /// Some members, or links shortened.
    Part(Value),
}

/// The property names of a view's schema.
pub(super) fn properties<T: PartialSchema>() -> Vec<String> {
    match T::schema() {
        RefOr::T(Schema::Object(object)) => object.properties.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// The members of a resource's JSON.
pub fn resource_fields() -> &'static [String] {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    NAMES.get_or_init(properties::<ResourceView>)
}

/// The members of a concept's JSON.
pub fn concept_fields() -> &'static [String] {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    NAMES.get_or_init(properties::<ConceptView>)
}

/// The members of a search hit's JSON.
pub fn hit_fields() -> &'static [String] {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    NAMES.get_or_init(properties::<SearchHitView>)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selection(raw: &str) -> Result<Selection, ApiError> {
        let query = Query::parse(raw, &["fields", "links"]).unwrap();
        Selection::parse(&query, resource_fields(), true)
    }

    #[test]
    fn resource_fields_are_the_view_s_members() {
        let fields = resource_fields();
        for name in ["slug", "title", "url", "level", "concepts", "created_at"] {
            assert!(fields.iter().any(|f| f == name), "{name} in {fields:?}");
        }
    }

    #[test]
    fn fields_keep_only_the_named_members_and_links_shorten() {
        let view = serde_json::json!({
            "slug": "s", "title": "T", "url": null, "level": "beginner",
            "concepts": [{"relation": "explained_by", "direction": "incoming", "type": "concept",
                          "slug": "c", "title": "C", "href": "http://x/concepts/c"}],
            "resources": []
        });
        let kept = selection("fields=slug,title&fields=url")
            .unwrap()
            .apply(&view);
        assert_eq!(
            kept,
            serde_json::json!({"slug": "s", "title": "T", "url": null})
        );
        let ids = selection("links=ids").unwrap().apply(&view);
        assert_eq!(
            ids["concepts"][0],
            serde_json::json!({"relation": "explained_by", "direction": "incoming", "slug": "c"})
        );
        let none = selection("links=none").unwrap().apply(&view);
        assert!(none.get("concepts").is_none() && none.get("slug").is_some());
        assert!(selection("").unwrap().is_whole());
    }

    #[test]
    fn unknown_fields_and_link_details_are_problems() {
        let err = selection("fields=slug,colour").unwrap_err();
        assert_eq!(err.errors[0].field, "fields");
        assert!(
            err.errors[0]
                .allowed
                .as_ref()
                .unwrap()
                .contains(&"title".to_owned())
        );
        let err = selection("links=some").unwrap_err();
        assert_eq!(err.errors[0].field, "links");
        assert!(selection("fields=").is_err());
    }

    #[test]
    fn only_selections_of_links_or_topics_need_links() {
        assert!(selection("").unwrap().needs_links());
        assert!(!selection("fields=slug,title").unwrap().needs_links());
        assert!(
            !selection("links=none&fields=slug,concepts")
                .unwrap()
                .needs_links()
        );
        assert!(selection("links=none&fields=topics").unwrap().needs_links());
        assert!(
            selection("links=ids&fields=resources")
                .unwrap()
                .needs_links()
        );
    }
}
