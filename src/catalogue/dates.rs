//! Years and months as authors and BibTeX files write them.

/// 1–12 for a month number or an English month name or abbreviation (`9`, `Sep`,
/// `Sept.`, `September`).
pub(crate) fn month_number(word: &str) -> Option<u8> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let word = word.trim().trim_end_matches('.').to_lowercase();
    if let Ok(n) = word.parse::<u8>() {
        return (1..=12).contains(&n).then_some(n);
    }
    if word.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| m.starts_with(&word))
        .and_then(|i| u8::try_from(i + 1).ok())
}

/// The first four-digit number in `text` that is a plausible year (1000–2999).
pub(crate) fn first_year(text: &str) -> Option<i32> {
    text.split(|c: char| !c.is_ascii_digit())
        .filter(|run| run.len() == 4)
        .filter_map(|run| run.parse::<i32>().ok())
        .find(|y| (1000..=2999).contains(y))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_names_numbers_and_abbreviations() {
        assert_eq!(month_number("September"), Some(9));
        assert_eq!(month_number("sep"), Some(9));
        assert_eq!(month_number("Sept."), Some(9));
        assert_eq!(month_number("09"), Some(9));
        assert_eq!(month_number("13"), None);
        assert_eq!(month_number("ma"), None);
        assert_eq!(month_number("xyz"), None);
    }

    #[test]
    fn years_are_found_in_dates() {
        assert_eq!(first_year("2019-09-05"), Some(2019));
        assert_eq!(first_year("{2015}"), Some(2015));
        assert_eq!(first_year("n.d."), None);
    }
}
