//! Schemas of query parameters for the OpenAPI document, built from the lists the
//! parsers use, so the document and the parsers cannot disagree.

use utoipa::openapi::schema::{AnyOfBuilder, ArrayItems, ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use super::fields::properties;
use super::search::SearchHitView;
use super::views::{ConceptView, ResourceView};
use crate::domain::{Sort, YearRange};

fn string_schema(description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .description(Some(description))
}

fn names(description: &str, names: impl IntoIterator<Item = String>) -> RefOr<Schema> {
    string_schema(description)
        .enum_values(Some(names.into_iter().collect::<Vec<_>>()))
        .into()
}

macro_rules! schema {
    ($(#[$meta:meta])* $name:ident => $body:expr) => {
        $(#[$meta])*
        pub struct $name;

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                $body
            }
        }

        impl ToSchema for $name {}
    };
}

schema! {
    /// A sort order of resource lists.
    ResourceSort => names(
        "A sort key, `-` in front for descending; ties are broken by record id.",
        Sort::RESOURCE_NAMES.iter().map(|n| (*n).to_owned()),
    )
}

schema! {
    /// A sort order of concept lists.
    ConceptSort => names(
        "A sort key, `-` in front for descending; ties are broken by record id.",
        Sort::CONCEPT_NAMES.iter().map(|n| (*n).to_owned()),
    )
}

schema! {
    /// A sort order of searches.
    SearchSort => names(
        "A sort key, `-` in front for descending; ties are broken by record type and id. `relevance` and `-relevance` put the best match first.",
        Sort::SEARCH_NAMES.iter().map(|n| (*n).to_owned()),
    )
}

schema! {
    /// A member of a resource's JSON, for `fields=`.
    ResourceField => names("A member of a resource's JSON representation.", properties::<ResourceView>())
}

schema! {
    /// A member of a concept's JSON, for `fields=`.
    ConceptField => names("A member of a concept's JSON representation.", properties::<ConceptView>())
}

schema! {
    /// A member of a search hit's JSON, for `fields=`.
    SearchHitField => names("A member of a search hit's JSON representation.", properties::<SearchHitView>())
}

schema! {
    /// A year or a range of years.
    YearValue => string_schema("A year (`2015`) or a range of years, ends included and either open (`2015..2020`, `2015..`, `..2020`).")
        .pattern(Some(YearRange::PATTERN))
        .into()
}

schema! {
    /// A name to match, not blank; commas separate alternatives.
    NameValue => string_schema("A name; commas separate alternatives, none may be blank.")
        .pattern(Some(r"^\s*[^,\s][^,]*(,\s*[^,\s][^,]*)*$"))
        .into()
}

/// `T`'s schema as a selection: the whole record, or any of its members (`fields=`) with
/// links whole or as ids (`links=`).
fn selection_schema<T: ToSchema>(description: &str) -> RefOr<Schema> {
    let whole: RefOr<Schema> = Ref::from_schema_name(T::name()).into();
    let RefOr::T(Schema::Object(mut partial)) = T::schema() else {
        return whole;
    };
    partial.required.clear();
    partial.description = Some(format!("Selected members of a {}.", T::name()));
    for name in LINK_ARRAYS {
        if let Some(RefOr::T(Schema::Array(array))) = partial.properties.get_mut(*name)
            && let ArrayItems::RefOrSchema(items) = &array.items
        {
            let link = AnyOfBuilder::new()
                .item(items.as_ref().clone())
                .item(link_ids())
                .build();
            array.items = ArrayItems::RefOrSchema(Box::new(Schema::AnyOf(link).into()));
        }
    }
    Schema::AnyOf(
        AnyOfBuilder::new()
            .item(whole)
            .item(Schema::Object(partial))
            .description(Some(description))
            .build(),
    )
    .into()
}

/// The arrays of links in a record's JSON.
const LINK_ARRAYS: &[&str] = &["concepts", "resources"];

/// A link as `links=ids` shows it.
fn link_ids() -> RefOr<Schema> {
    let string = || ObjectBuilder::new().schema_type(SchemaType::Type(Type::String));
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::Object))
        .description(Some("A link as `links=ids` shows it."))
        .property("relation", Ref::from_schema_name("Relation"))
        .property("direction", Ref::from_schema_name("Direction"))
        .property("slug", string())
        .required("relation")
        .required("direction")
        .required("slug")
        .into()
}

/// Declares a selection schema of a view, which registers the view it refers to.
macro_rules! selection {
    ($(#[$meta:meta])* $name:ident of $view:ty => $description:literal) => {
        $(#[$meta])*
        pub struct $name;

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                selection_schema::<$view>($description)
            }
        }

        impl ToSchema for $name {
            fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
                schemas.push((<$view>::name().into(), <$view>::schema()));
                <$view as ToSchema>::schemas(schemas);
            }
        }
    };
}

selection! {
    /// A resource, whole or as selected by `fields` and `links`.
    ResourceSelection of ResourceView =>
        "A resource: whole, or only the members `fields` selects, with links shortened or left out by `links`."
}

selection! {
    /// A concept, whole or as selected by `fields` and `links`.
    ConceptSelection of ConceptView =>
        "A concept: whole, or only the members `fields` selects, with links shortened or left out by `links`."
}

selection! {
    /// A search hit, whole or as selected by `fields`.
    SearchHitSelection of SearchHitView => "A search hit: whole, or only the members `fields` selects."
}
