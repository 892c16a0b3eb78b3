//! From uploaded bytes to the picture that is stored: the format is read from the bytes (never from the
//! `Content-Type` or a file name), decoding runs under pixel and memory limits so a decompression bomb is
//! refused before it is allocated, large pictures are scaled down to what a projector shows, and the result
//! is re-encoded from its pixels. Re-encoding is what strips metadata: EXIF (GPS positions, camera serials),
//! XMP, comments and any trailing bytes never reach the store. Pure and synchronous; callers run it on the
//! blocking pool.

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};
use std::io::Cursor;

/// Largest width and height accepted for decoding (a 48-megapixel phone photo is 8000 × 6000).
pub const MAX_DECODE_SIDE: u32 = 8192;
/// Upper bound of what one decode may allocate, the decoded pixels included: 8192 × 8192 RGBA at 8 bits.
pub const MAX_DECODE_ALLOC: u64 = 256 * 1024 * 1024;
/// Longest side of a stored picture: enough for a full-HD projector, small enough for pupils' phones.
pub const DISPLAY_MAX_SIDE: u32 = 1600;
/// Quality of re-encoded JPEGs.
pub const JPEG_QUALITY: u8 = 85;

/// A picture ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Processed {
    /// Lowercase hex SHA-256 of `bytes`.
    pub id: String,
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// The bytes are not PNG, JPEG, WebP or GIF.
    #[error("not a PNG, JPEG, WebP or GIF image")]
    Unsupported,
    /// One of the four formats, but the bytes do not decode.
    #[error("the image is damaged or incomplete")]
    Invalid,
    /// More pixels than [`MAX_DECODE_SIDE`] or [`MAX_DECODE_ALLOC`] allow.
    #[error(
        "the image has too many pixels: at most {MAX_DECODE_SIDE} × {MAX_DECODE_SIDE} (and 256 MiB decoded)"
    )]
    TooManyPixels,
    /// Encoding decoded pixels failed: a bug, not the uploader's fault.
    #[error("re-encoding failed: {0}")]
    Encode(image::ImageError),
}

/// Checks, decodes, downscales and re-encodes `bytes`.
pub fn process(bytes: &[u8]) -> Result<Processed, ImageError> {
    let format = image::guess_format(bytes).map_err(|_| ImageError::Unsupported)?;
    let (picture, orientation) = decode(bytes, format)?;
    // Turned after scaling: rotating the full-size picture would copy all of it once more.
    let mut picture = fit(picture);
    picture.apply_orientation(orientation);
    let (bytes, content_type) = encode(&picture, format)?;
    Ok(Processed {
        id: hex::encode(Sha256::digest(&bytes)),
        bytes,
        content_type,
        width: picture.width(),
        height: picture.height(),
    })
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DECODE_SIDE);
    limits.max_image_height = Some(MAX_DECODE_SIDE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    limits
}

/// Decodes the first frame; also returns the EXIF orientation (which re-encoding drops, so the pixels are
/// turned upright instead).
fn decode(bytes: &[u8], format: ImageFormat) -> Result<(DynamicImage, Orientation), ImageError> {
    if !matches!(
        format,
        ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP | ImageFormat::Gif
    ) {
        return Err(ImageError::Unsupported);
    }
    let refused = |err: image::ImageError| match err {
        image::ImageError::Limits(_) => ImageError::TooManyPixels,
        image::ImageError::Unsupported(_) => ImageError::Unsupported,
        _ => ImageError::Invalid,
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits());
    // `into_decoder` reads the header only and checks the declared dimensions against the limits, so a
    // decompression bomb is refused before any pixel buffer exists. The pixel buffer is then reserved
    // from the allocation limit (as `ImageReader::decode` does), and the decoder's own buffers must fit
    // in what is left.
    let mut decoder = reader.into_decoder().map_err(refused)?;
    let mut remaining = limits();
    remaining
        .reserve(decoder.total_bytes())
        .map_err(|_| ImageError::TooManyPixels)?;
    decoder.set_limits(remaining).map_err(refused)?;
    // A damaged EXIF block costs the rotation only, not the upload.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let picture = DynamicImage::from_decoder(decoder).map_err(refused)?;
    Ok((picture, orientation))
}

/// Scales down (never up) so the longest side is at most [`DISPLAY_MAX_SIDE`], keeping the aspect ratio.
/// A picture more than twice that size is first reduced to twice it by fast area averaging, so Lanczos
/// (whose float intermediate is as wide as the source) never runs on a huge source.
fn fit(picture: DynamicImage) -> DynamicImage {
    let longest = picture.width().max(picture.height());
    if longest <= DISPLAY_MAX_SIDE {
        return picture;
    }
    let picture = if longest > 2 * DISPLAY_MAX_SIDE {
        picture.thumbnail(2 * DISPLAY_MAX_SIDE, 2 * DISPLAY_MAX_SIDE)
    } else {
        picture
    };
    picture.resize(DISPLAY_MAX_SIDE, DISPLAY_MAX_SIDE, FilterType::Lanczos3)
}

/// JPEG stays JPEG (photos); PNG, WebP and GIF become PNG, which keeps transparency and sharp edges
/// (animated GIFs keep their first frame). Only the pixels are written: no metadata chunk or segment.
fn encode(
    picture: &DynamicImage,
    input: ImageFormat,
) -> Result<(Vec<u8>, &'static str), ImageError> {
    let mut out = Vec::new();
    if input == ImageFormat::Jpeg {
        // The JPEG encoder takes 8-bit grey or RGB only.
        let pixels = match picture {
            DynamicImage::ImageLuma8(_) => picture.clone(),
            other => DynamicImage::ImageRgb8(other.to_rgb8()),
        };
        pixels
            .write_with_encoder(JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY))
            .map_err(ImageError::Encode)?;
        return Ok((out, "image/jpeg"));
    }
    let pixels = if picture.color().has_alpha() {
        DynamicImage::ImageRgba8(picture.to_rgba8())
    } else {
        DynamicImage::ImageRgb8(picture.to_rgb8())
    };
    pixels
        .write_with_encoder(PngEncoder::new(&mut out))
        .map_err(ImageError::Encode)?;
    Ok((out, "image/png"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage, Rgba, RgbaImage};

    fn encoded(picture: &DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        picture.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    fn gradient(width: u32, height: u32) -> DynamicImage {
        DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |x, y| {
            Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        }))
    }

    #[test]
    fn jpeg_stays_jpeg_and_the_other_formats_become_png() {
        let picture = gradient(40, 30);
        for (format, content_type) in [
            (ImageFormat::Jpeg, "image/jpeg"),
            (ImageFormat::Png, "image/png"),
            (ImageFormat::WebP, "image/png"),
            (ImageFormat::Gif, "image/png"),
        ] {
            let out = process(&encoded(&picture, format)).unwrap();
            assert_eq!(out.content_type, content_type, "{format:?}");
            assert_eq!((out.width, out.height), (40, 30));
            assert_eq!(out.id, hex::encode(Sha256::digest(&out.bytes)));
            let back = image::load_from_memory(&out.bytes).unwrap();
            assert_eq!((back.width(), back.height()), (40, 30));
        }
    }

    #[test]
    fn transparency_survives() {
        let picture = DynamicImage::ImageRgba8(RgbaImage::from_pixel(8, 8, Rgba([1, 2, 3, 0])));
        let out = process(&encoded(&picture, ImageFormat::Png)).unwrap();
        let back = image::load_from_memory(&out.bytes).unwrap();
        assert!(back.color().has_alpha());
        assert_eq!(back.to_rgba8().get_pixel(0, 0)[3], 0);
    }

    #[test]
    fn large_pictures_are_scaled_to_the_display_bound_keeping_the_aspect_ratio() {
        let out = process(&encoded(&gradient(2000, 1000), ImageFormat::Png)).unwrap();
        assert_eq!(
            (out.width, out.height),
            (DISPLAY_MAX_SIDE, DISPLAY_MAX_SIDE / 2)
        );
    }

    #[test]
    fn anything_else_is_unsupported() {
        for bytes in [&b"GIF87"[..], b"hello world", b"", b"BM\0\0\0\0"] {
            assert!(
                matches!(process(bytes), Err(ImageError::Unsupported)),
                "{bytes:?}"
            );
        }
    }

    /// A small JPEG whose frame header (SOF0) claims `width` × `height`.
    fn jpeg_claiming(width: u16, height: u16) -> Vec<u8> {
        let mut jpeg = encoded(&gradient(16, 16), ImageFormat::Jpeg);
        let sof = jpeg
            .windows(2)
            .position(|w| w == [0xFF, 0xC0])
            .expect("a baseline JPEG");
        jpeg[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
        jpeg[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
        jpeg
    }

    /// A small GIF whose screen and first image descriptor claim `width` × `height`.
    fn gif_claiming(width: u16, height: u16) -> Vec<u8> {
        let mut gif = encoded(&gradient(16, 16), ImageFormat::Gif);
        gif[6..8].copy_from_slice(&width.to_le_bytes());
        gif[8..10].copy_from_slice(&height.to_le_bytes());
        let descriptor = gif.iter().position(|&b| b == 0x2C).expect("an image");
        gif[descriptor + 5..descriptor + 7].copy_from_slice(&width.to_le_bytes());
        gif[descriptor + 7..descriptor + 9].copy_from_slice(&height.to_le_bytes());
        gif
    }

    #[test]
    fn jpeg_and_gif_headers_claiming_too_many_pixels_are_refused_before_decoding() {
        for (bytes, what) in [
            (jpeg_claiming(60_000, 60_000), "JPEG 60000²"),
            (jpeg_claiming(8193, 16), "JPEG one pixel too wide"),
            (gif_claiming(60_000, 60_000), "GIF 60000²"),
        ] {
            assert!(
                matches!(process(&bytes), Err(ImageError::TooManyPixels)),
                "{what}: {:?}",
                process(&bytes)
            );
        }
    }

    #[test]
    fn exif_orientation_is_applied_after_scaling() {
        let mut jpeg = Vec::new();
        let mut encoder = JpegEncoder::new_with_quality(&mut jpeg, 90);
        // Big-endian TIFF with one entry: Orientation (0x0112) = 8 (rotate 270°).
        let exif = b"MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x08\0\0\0\0\0\0".to_vec();
        image::ImageEncoder::set_exif_metadata(&mut encoder, exif).unwrap();
        gradient(3200, 1000).write_with_encoder(encoder).unwrap();
        let out = process(&jpeg).unwrap();
        assert_eq!((out.width, out.height), (500, DISPLAY_MAX_SIDE));
    }

    #[test]
    fn a_truncated_picture_is_invalid() {
        let png = encoded(&gradient(64, 64), ImageFormat::Png);
        let cut = &png[..png.len() / 2];
        assert!(matches!(process(cut), Err(ImageError::Invalid)));
    }
}
