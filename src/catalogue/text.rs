//! Text repair: byte order marks, mojibake, Unicode normalisation.
