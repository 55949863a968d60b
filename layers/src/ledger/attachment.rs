//! Photos and documents on a hidden danger's record (`docs/ledger.md`,
//! "Attachments"): the finding's photo, the rectification's evidence at
//! `submitted`. The bytes are kept once by their SHA-256 in the store's
//! blobs ([`crate::store::blobs`]); the `attachment_added` event records
//! the hash, name, type and size, and the record's actor and time say who
//! and when.
//!
//! The type is told by the content (its magic bytes, read by the `infer`
//! crate), never by the name or the declared type: JPEG, PNG, WebP and PDF
//! are taken, anything else is refused with the type found.

use super::{Danger, LedgerState, MAX_NAME_CHARS, invalid};
use crate::error::{Error, Result};
use crate::feature::FeatureId;
use crate::model::{Attachment, DangerStatus};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Largest attachment, bytes: 16 MiB. A phone photo is 2–8 MB and a
/// scanned rectification report of a few pages a few MB; a larger file is
/// to be made smaller before it is sent (Lookout's choice, not a standard's).
pub const MAX_ATTACHMENT_BYTES: u64 = 16 << 20;

/// Most attachments on one danger.
pub const MAX_ATTACHMENTS_PER_DANGER: usize = 100;

/// The media types taken, as the content tells them.
pub const MEDIA_TYPES: [&str; 4] = ["image/jpeg", "image/png", "image/webp", "application/pdf"];

/// An attachment on a danger's record, with who added it, when, and the
/// danger's status then.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attached {
    /// What was attached.
    #[serde(flatten)]
    pub attachment: Attachment,
    /// Event number.
    pub seq: u64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: String,
    /// The danger's status when it was added (`submitted`: the evidence of
    /// the rectification).
    pub status: DangerStatus,
}

/// The SHA-256 of `bytes`, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `s` is a SHA-256 in lower-case hex.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Why an upload's content is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// Nothing was sent.
    Empty,
    /// The content is of a type not taken (`Some`: what it looks like).
    Type(Option<&'static str>),
    /// The declared type is one taken but the content is another.
    Mismatch {
        /// What the request said.
        declared: String,
        /// What the content is.
        found: &'static str,
    },
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let taken = MEDIA_TYPES.join(", ");
        match self {
            Self::Empty => write!(f, "the file is empty"),
            Self::Type(Some(t)) => write!(f, "the content is {t}; attachments are {taken}"),
            Self::Type(None) => write!(f, "the content is of no known type; attachments are {taken}"),
            Self::Mismatch { declared, found } => write!(
                f,
                "the content is {found}, not the {declared} it was sent as; send it as {found}"
            ),
        }
    }
}

/// The media type of `bytes`, told by their magic bytes; `declared` (the
/// request's `Content-Type`, if any) must agree when it names one of
/// [`MEDIA_TYPES`] (`application/octet-stream` or none says nothing).
pub fn media_type(bytes: &[u8], declared: Option<&str>) -> std::result::Result<&'static str, Refused> {
    if bytes.is_empty() {
        return Err(Refused::Empty);
    }
    let found = infer::get(bytes).map(|t| t.mime_type());
    let Some(taken) = found.and_then(|f| MEDIA_TYPES.iter().copied().find(|m| *m == f)) else {
        return Err(Refused::Type(found));
    };
    let declared = declared
        .map(|d| d.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
        .filter(|d| !d.is_empty() && d != "application/octet-stream");
    match declared.as_deref() {
        None => Ok(taken),
        Some("image/jpg" | "image/pjpeg") if taken == "image/jpeg" => Ok(taken),
        Some(d) if d == taken => Ok(taken),
        Some(d) => Err(Refused::Mismatch {
            declared: d.to_owned(),
            found: taken,
        }),
    }
}

/// A file name to keep: the last part of what was sent (no folders, no
/// control characters), at most [`MAX_NAME_CHARS`] characters; `fallback`
/// when nothing is left.
pub fn clean_name(sent: &str, fallback: &str) -> String {
    let last = sent.rsplit(['/', '\\']).next().unwrap_or_default();
    let name: String = last
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(MAX_NAME_CHARS)
        .collect();
    let name = name.trim();
    if name.is_empty() || name == "." || name == ".." {
        fallback.to_owned()
    } else {
        name.to_owned()
    }
}

/// The file extension of a media type taken.
pub fn extension(media_type: &str) -> &'static str {
    match media_type {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/webp" => "webp",
        "application/pdf" => "pdf",
        _ => "bin",
    }
}

impl Danger {
    /// The attachment with this hash, if the danger has it.
    pub fn attachment(&self, sha256: &str) -> Option<&Attached> {
        self.attachments.iter().find(|a| a.attachment.sha256 == sha256)
    }
}

impl LedgerState {
    /// Checks an attachment for danger `id`: the danger known, the hash,
    /// name, type and size sound, not attached to it already, room left.
    pub(super) fn check_attachment(&self, id: FeatureId, a: &Attachment) -> Result<()> {
        let d = self.known(id)?;
        if !is_sha256_hex(&a.sha256) {
            return Err(invalid("sha256 is 64 lower-case hex digits"));
        }
        if a.name.trim().is_empty() || a.name.chars().count() > MAX_NAME_CHARS || a.name.contains(['/', '\\']) {
            return Err(invalid(format!(
                "the name is 1 to {MAX_NAME_CHARS} characters, without folders"
            )));
        }
        if !MEDIA_TYPES.contains(&a.media_type.as_str()) {
            return Err(invalid(format!(
                "media_type is one of {}, not {:?}",
                MEDIA_TYPES.join(", "),
                a.media_type
            )));
        }
        if a.bytes == 0 || a.bytes > MAX_ATTACHMENT_BYTES {
            return Err(invalid(format!(
                "an attachment is 1 to {MAX_ATTACHMENT_BYTES} bytes, not {}",
                a.bytes
            )));
        }
        if d.attachment(&a.sha256).is_some() {
            return Err(Error::Conflict(format!(
                "danger {id} has this file ({}) already",
                a.sha256
            )));
        }
        if d.attachments.len() >= MAX_ATTACHMENTS_PER_DANGER {
            return Err(Error::Conflict(format!(
                "danger {id} has {MAX_ATTACHMENTS_PER_DANGER} attachments, the most one danger may have"
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
    const JPEG: &[u8] = b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0";
    const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n";
    const WEBP: &[u8] = b"RIFF\x24\0\0\0WEBPVP8 \x18\0\0\0";

    #[test]
    fn the_content_tells_the_type_whatever_the_name_or_declared_type() {
        assert_eq!(media_type(PNG, None), Ok("image/png"));
        assert_eq!(media_type(JPEG, Some("image/jpeg")), Ok("image/jpeg"));
        assert_eq!(media_type(JPEG, Some("image/jpg")), Ok("image/jpeg"));
        assert_eq!(media_type(PDF, Some("application/octet-stream")), Ok("application/pdf"));
        assert_eq!(media_type(WEBP, Some("image/webp")), Ok("image/webp"));
        // a PDF sent as a PNG is refused, naming what it is
        let refused = media_type(PDF, Some("image/png")).unwrap_err();
        assert_eq!(
            refused,
            Refused::Mismatch {
                declared: "image/png".into(),
                found: "application/pdf"
            }
        );
        assert!(refused.to_string().contains("application/pdf"), "{refused}");
    }

    #[test]
    fn other_content_is_refused_with_what_it_is() {
        // a zip (an .xlsx, a .docx) named photo.jpg
        let zip = b"PK\x03\x04\x14\0\0\0\x08\0";
        let refused = media_type(zip, Some("image/jpeg")).unwrap_err();
        assert_eq!(refused, Refused::Type(Some("application/zip")));
        assert!(refused.to_string().contains("image/jpeg, image/png"), "{refused}");
        // a page with a script is HTML, and plain text of no known type
        assert_eq!(
            media_type(b"<script>alert(1)</script>", Some("image/png")),
            Err(Refused::Type(Some("text/html")))
        );
        assert_eq!(media_type(b"just some words", None), Err(Refused::Type(None)));
        assert_eq!(media_type(b"", Some("image/png")), Err(Refused::Empty));
    }

    #[test]
    fn names_keep_only_the_last_part_without_control_characters() {
        assert_eq!(clean_name("C:\\photos\\罐区.jpg", "x"), "罐区.jpg");
        assert_eq!(clean_name("../../etc/passwd", "x"), "passwd");
        assert_eq!(clean_name("a\"b\nc.png", "x"), "abc.png");
        assert_eq!(clean_name("  ", "attachment.png"), "attachment.png");
        assert_eq!(clean_name("dir/..", "f.pdf"), "f.pdf");
        assert_eq!(clean_name(&"长".repeat(500), "x").chars().count(), MAX_NAME_CHARS);
    }

    #[test]
    fn hashes_are_sha256_hex() {
        let h = sha256_hex(b"abc");
        assert_eq!(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert!(is_sha256_hex(&h));
        assert!(!is_sha256_hex(&h.to_uppercase()));
        assert!(!is_sha256_hex("../x"));
    }
}
