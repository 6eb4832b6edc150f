//! Image files as the model gets them (`read` of a PNG, `tandem exec -i`):
//! the type told by the first bytes, and an image larger than the cap
//! scaled down first. The cap is what the providers use anyway: Anthropic
//! scales a long edge above 1568 px down on its side (and refuses images
//! over 5 MB of base64), OpenAI scales to fit 2048 px, then 768 px on the
//! short side; sending more costs upload time and nothing else.

use crate::model::{Image, sniff};
use image::{ImageFormat, ImageReader, imageops::FilterType};
use std::io::Cursor;

/// The longest edge sent, in pixels.
pub const MAX_EDGE: u32 = 1568;
/// Bytes of one image sent (5 MB once in base64).
pub const MAX_BYTES: usize = 3_750_000;

/// An image ready to send, and what happened to it, for the text beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub image: Image,
    /// Width and height of the file.
    pub size: (u32, u32),
    /// Width and height sent, when it was scaled.
    pub scaled: Option<(u32, u32)>,
}

impl Loaded {
    /// e.g. "image/png, 3000x1000 px, scaled to 1568x523 for the model".
    pub fn describe(&self) -> String {
        let (w, h) = self.size;
        let mut s = format!("{}, {w}x{h} px", self.image.media_type);
        if let Some((sw, sh)) = self.scaled {
            s.push_str(&format!(", scaled to {sw}x{sh} for the model"));
        }
        s
    }
}

/// Whether the bytes are an image `load` takes (by their first bytes).
pub fn is_image(bytes: &[u8]) -> bool {
    sniff(bytes).is_some()
}

/// Image files as the model gets them (`tandem exec -i`, the editor's
/// "Ask Tandem about this image"), or what is wrong with the first bad one
/// (`label` names the option or command in the message).
pub fn load_files(
    paths: &[std::path::PathBuf],
    label: &str,
) -> Result<Vec<crate::model::Image>, String> {
    paths
        .iter()
        .map(|path| {
            let bytes = std::fs::read(path)
                .map_err(|e| format!("{label} {}: cannot read it: {e}", path.display()))?;
            load(&bytes)
                .map(|l| l.image)
                .map_err(|e| format!("{label} {}: {e}", path.display()))
        })
        .collect()
}

/// An image from a file's bytes: as it is when within the cap, else scaled
/// so its long edge is `MAX_EDGE` (PNG stays PNG, others become PNG, JPEG
/// stays JPEG; a PNG still over `MAX_BYTES` becomes JPEG).
pub fn load(bytes: &[u8]) -> Result<Loaded, String> {
    let Some(media_type) = sniff(bytes) else {
        return Err("not a PNG, JPEG, GIF or WebP image (told by its first bytes)".into());
    };
    let format = match media_type {
        "image/png" => ImageFormat::Png,
        "image/jpeg" => ImageFormat::Jpeg,
        "image/gif" => ImageFormat::Gif,
        _ => ImageFormat::WebP,
    };
    let reader = |b: &[u8]| {
        let mut r = ImageReader::new(Cursor::new(b.to_vec()));
        r.set_format(format);
        r
    };
    let size = reader(bytes)
        .into_dimensions()
        .map_err(|e| format!("a broken {media_type} image: {e}"))?;
    let (w, h) = size;
    if w.max(h) <= MAX_EDGE && bytes.len() <= MAX_BYTES {
        return Ok(Loaded {
            image: Image::from_bytes(bytes).expect("sniffed above"),
            size,
            scaled: None,
        });
    }
    let decoded = reader(bytes)
        .decode()
        .map_err(|e| format!("a broken {media_type} image: {e}"))?;
    let (sw, sh) = fit(size);
    let small = decoded.resize_exact(sw, sh, FilterType::Triangle);
    let encode = |format: ImageFormat| -> Result<Vec<u8>, String> {
        let mut out = Cursor::new(Vec::new());
        let image = match format {
            // JPEG has no alpha channel.
            ImageFormat::Jpeg => image::DynamicImage::ImageRgb8(small.to_rgb8()),
            _ => small.clone(),
        };
        image
            .write_to(&mut out, format)
            .map_err(|e| format!("cannot scale the image: {e}"))?;
        Ok(out.into_inner())
    };
    let mut out = encode(if format == ImageFormat::Jpeg {
        ImageFormat::Jpeg
    } else {
        ImageFormat::Png
    })?;
    if out.len() > MAX_BYTES {
        out = encode(ImageFormat::Jpeg)?;
    }
    Ok(Loaded {
        image: Image::from_bytes(&out).expect("encoded as PNG or JPEG"),
        size,
        scaled: Some((sw, sh)),
    })
}

/// The size within `MAX_EDGE` with the same shape (at least 1 px a side).
fn fit((w, h): (u32, u32)) -> (u32, u32) {
    let long = w.max(h);
    if long <= MAX_EDGE {
        return (w, h);
    }
    let scale =
        |n: u32| ((n as u64 * MAX_EDGE as u64 + long as u64 / 2) / long as u64).max(1) as u32;
    (scale(w), scale(h))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, 7]));
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    fn dims(i: &Image) -> (u32, u32) {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&i.data)
            .unwrap();
        let d = image::load_from_memory(&bytes).unwrap();
        (d.width(), d.height())
    }

    #[test]
    fn small_images_go_as_they_are_and_large_ones_are_scaled() {
        let small = png(40, 30);
        let l = load(&small).unwrap();
        assert_eq!((l.size, l.scaled), ((40, 30), None));
        assert_eq!(l.image, Image::from_bytes(&small).unwrap());

        let l = load(&png(3000, 1000)).unwrap();
        assert_eq!(l.scaled, Some((1568, 523)));
        assert_eq!(l.image.media_type, "image/png");
        assert_eq!(dims(&l.image), (1568, 523));
        assert!(l.describe().contains("3000x1000 px, scaled to 1568x523"));
    }

    #[test]
    fn what_is_not_an_image_or_is_broken_is_an_error() {
        assert!(load(b"hello").unwrap_err().contains("not a PNG"));
        let mut cut = png(10, 10);
        cut.truncate(20);
        assert!(load(&cut).unwrap_err().contains("broken image/png"));
    }
}
