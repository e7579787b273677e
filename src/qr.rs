//! QR codes drawn with text, for a phone to scan off a terminal (the admin is often on SSH with
//! no browser at hand). Two modules per character cell, top and bottom halves.

use qrcode::render::unicode::Dense1x2;
use qrcode::{EcLevel, QrCode};

/// The code as lines of `█▀▄ `, meant to be drawn light on a dark background: the light modules
/// (and the quiet zone around them) are the inked ones, so a scanner sees dark on light.
pub fn lines(text: &str) -> Result<Vec<String>, String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::L)
        .map_err(|e| format!("cannot draw a QR code for this link: {e}"))?;
    let image = code
        .render::<Dense1x2>()
        .dark_color(Dense1x2::Light)
        .light_color(Dense1x2::Dark)
        .quiet_zone(true)
        .build();
    Ok(image.lines().map(str::to_string).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_link_fits_an_80_by_24_terminal() {
        let l = lines("https://inbox.example.com/c/AbCdEfGhIjKlMn").unwrap();
        assert!(l.len() <= 19, "{} rows", l.len());
        assert!(l.iter().all(|r| r.chars().count() <= 40));
        // The quiet zone is inked all round, so the first row is solid.
        assert!(l[0].chars().all(|c| c == '█' || c == '▀' || c == '▄'));
    }

    #[test]
    fn the_same_text_draws_the_same_code() {
        assert_eq!(lines("abc").unwrap(), lines("abc").unwrap());
        assert_ne!(lines("abc").unwrap(), lines("abd").unwrap());
    }
}
