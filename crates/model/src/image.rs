//! Images in a conversation: the media type and the file's bytes in
//! base64, one shape for every provider. Saved (transcripts, session logs)
//! in the Anthropic block shape Claude Code's transcripts use:
//! `{"type":"image","source":{"type":"base64","media_type","data"}}`, and a
//! tool result that carries images has a list as its `content`, text first.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The media types every wire adapter can send.
pub const MEDIA_TYPES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// One of `MEDIA_TYPES`.
    pub media_type: String,
    /// Standard base64 with padding, as all three APIs take it.
    pub data: String,
}

impl Image {
    /// An image from a file's bytes, its type told by the bytes (not by a
    /// name, which may lie); `None` when they are none of `MEDIA_TYPES`.
    pub fn from_bytes(bytes: &[u8]) -> Option<Image> {
        use base64::Engine;
        Some(Image {
            media_type: sniff(bytes)?.to_string(),
            data: base64::engine::general_purpose::STANDARD.encode(bytes),
        })
    }

    /// `data:image/png;base64,...`: how the OpenAI APIs take an inline image.
    pub fn data_url(&self) -> String {
        format!("data:{};base64,{}", self.media_type, self.data)
    }

    /// What a model that takes no images is told instead.
    pub fn note(&self) -> String {
        format!(
            "[an image ({}, {} bytes) was left out: this model takes no images]",
            self.media_type,
            self.data.len() / 4 * 3
        )
    }
}

/// The media type the first bytes of a file say, when it is one of ours.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// The saved shape: Anthropic's image block without its `type`, which the
/// enclosing `Block` adds.
#[derive(Serialize, Deserialize)]
struct Saved {
    source: Source,
}

#[derive(Serialize, Deserialize)]
struct Source {
    #[serde(rename = "type")]
    kind: String,
    media_type: String,
    data: String,
}

impl Serialize for Image {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Saved {
            source: Source {
                kind: "base64".into(),
                media_type: self.media_type.clone(),
                data: self.data.clone(),
            },
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Image {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let saved = Saved::deserialize(d)?;
        if saved.source.kind != "base64" {
            return Err(serde::de::Error::custom(format!(
                "image source {:?}: only base64 images are kept",
                saved.source.kind
            )));
        }
        Ok(Image {
            media_type: saved.source.media_type,
            data: saved.source.data,
        })
    }
}

/// A tool result's `content` as saved: the text alone as a string (as it
/// always was), or with images a list of blocks, Claude Code's shape.
pub(crate) mod result_content {
    use super::Image;
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    pub(crate) enum Part {
        Text { text: String },
        Image(Image),
    }

    #[derive(Serialize, Deserialize)]
    #[serde(untagged)]
    pub(crate) enum Content {
        Text(String),
        Parts(Vec<Part>),
    }

    impl Content {
        pub(crate) fn new(text: &str, images: &[Image]) -> Content {
            if images.is_empty() {
                return Content::Text(text.to_string());
            }
            let mut parts = vec![Part::Text {
                text: text.to_string(),
            }];
            parts.extend(images.iter().cloned().map(Part::Image));
            Content::Parts(parts)
        }

        pub(crate) fn split(self) -> (String, Vec<Image>) {
            match self {
                Content::Text(t) => (t, Vec::new()),
                Content::Parts(parts) => {
                    let mut text = String::new();
                    let mut images = Vec::new();
                    for p in parts {
                        match p {
                            Part::Text { text: t } => {
                                if !text.is_empty() {
                                    text.push('\n');
                                }
                                text.push_str(&t);
                            }
                            Part::Image(i) => images.push(i),
                        }
                    }
                    (text, images)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(sniff(&[0xff, 0xd8, 0xff, 0xe0]), Some("image/jpeg"));
        assert_eq!(sniff(b"GIF89a.."), Some("image/gif"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WAVEfmt "), None);
        assert_eq!(sniff(b"just text"), None);
        let i = Image::from_bytes(b"GIF89a").unwrap();
        assert_eq!(i.data, "R0lGODlh");
        assert_eq!(i.data_url(), "data:image/gif;base64,R0lGODlh");
    }
}
