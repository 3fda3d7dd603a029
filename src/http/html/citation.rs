//! The citation line shown on a resource's page: authors, year, title, venue and an
//! identifier, in the manner of APA. One function, so a page can switch to another
//! style's formatter without changing its template.

use crate::domain::Person;

use super::super::views::ResourceView;

/// A person as cited: "Family, G." (particle and suffix kept), or an organisation's name.
fn cited_name(person: &Person) -> Option<String> {
    if let Some(literal) = &person.literal {
        return Some(literal.clone());
    }
    let family = person.family.as_deref()?;
    let family = match &person.particle {
        Some(particle) => format!("{particle} {family}"),
        None => family.to_owned(),
    };
    let initials: Vec<String> = person
        .given
        .as_deref()
        .unwrap_or_default()
        .split([' ', '-'])
        .filter_map(|part| part.chars().next())
        .map(|first| format!("{first}."))
        .collect();
    let mut name = if initials.is_empty() {
        family
    } else {
        format!("{family}, {}", initials.join(" "))
    };
    if let Some(suffix) = &person.suffix {
        name.push_str(", ");
        name.push_str(suffix);
    }
    Some(name)
}

/// The authors as cited: "A, B, & C", with "et al." when the list was cut short.
fn authors(view: &ResourceView) -> Option<String> {
    let names: Vec<String> = view.authors.iter().filter_map(cited_name).collect();
    let mut text = match names.as_slice() {
        [] => return None,
        [one] => one.clone(),
        [rest @ .., last] => format!("{}, & {last}", rest.join(", ")),
    };
    if view.authors_truncated {
        text.push_str(", et al.");
    }
    Some(text)
}

/// The citation of a resource as plain text, e.g. "Ren, S., He, K., Girshick, R., & Sun,
/// J. (2015). Faster R-CNN: …. *Advances in Neural Information Processing Systems*.
/// https://doi.org/…". Fields the record lacks are left out.
pub fn citation(view: &ResourceView) -> String {
    let mut parts = Vec::new();
    let year = view
        .year
        .map_or_else(|| "(n.d.)".to_owned(), |y| format!("({y})"));
    match authors(view) {
        Some(authors) => parts.push(format!("{authors} {year}.")),
        None => parts.push(format!("{year}.")),
    }
    let title = view.title.trim_end_matches('.');
    parts.push(format!("{title}."));
    let venue = [
        &view.journal,
        &view.booktitle,
        &view.publisher,
        &view.institution,
    ]
    .into_iter()
    .flatten()
    .next();
    if let Some(venue) = venue {
        let mut venue = venue.clone();
        if let Some(volume) = &view.volume {
            venue.push_str(&format!(", {volume}"));
            if let Some(number) = &view.number {
                venue.push_str(&format!("({number})"));
            }
        }
        if let Some(pages) = &view.pages {
            venue.push_str(&format!(", {pages}"));
        }
        parts.push(format!("{venue}."));
    }
    if let Some(doi) = &view.doi {
        parts.push(format!("https://doi.org/{doi}"));
    } else if let Some(arxiv) = &view.arxiv_id {
        parts.push(format!("arXiv:{arxiv}"));
    } else if let Some(url) = &view.url {
        parts.push(url.clone());
    }
    parts.join(" ")
}
