//! Image uploads (`/api/images`): the format comes from the bytes, decoding runs under limits, what is stored
//! is a re-encoding without metadata under its SHA-256, quotas hold, the public GET caches forever, and a
//! host deletes only their own pictures. Test pictures are generated here with the `image` crate; the
//! decompression bomb is a hand-built PNG header.

use cahoot_testkit::prelude::*;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{DynamicImage, ImageEncoder, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use reqwest::{Response, StatusCode};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::io::Cursor;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A marker in the EXIF blocks of the test pictures: a stand-in for a GPS position or a camera serial.
const SECRET: &[u8] = b"SECRET-GPS-51.5007N-0.1246W";

/// A colourful picture, so the encoders have something to do.
fn gradient(width: u32, height: u32) -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |x, y| {
        Rgb([
            (x * 7 % 256) as u8,
            (y * 5 % 256) as u8,
            ((x + y) % 256) as u8,
        ])
    }))
}

fn encoded(picture: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    picture
        .write_to(&mut out, format)
        .expect("encode test picture");
    out.into_inner()
}

/// A big-endian TIFF block (the payload of an EXIF segment or chunk): orientation `orientation` and an
/// ImageDescription holding [`SECRET`].
fn exif(orientation: u16) -> Vec<u8> {
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    tiff.extend_from_slice(&2u16.to_be_bytes()); // two entries
    // 0x010E ImageDescription, ASCII, count, offset of the string (after this IFD)
    let text_offset: u32 = 8 + 2 + 2 * 12 + 4;
    tiff.extend_from_slice(&0x010Eu16.to_be_bytes());
    tiff.extend_from_slice(&2u16.to_be_bytes());
    tiff.extend_from_slice(&(SECRET.len() as u32 + 1).to_be_bytes());
    tiff.extend_from_slice(&text_offset.to_be_bytes());
    // 0x0112 Orientation, SHORT, 1, value left-aligned
    tiff.extend_from_slice(&0x0112u16.to_be_bytes());
    tiff.extend_from_slice(&3u16.to_be_bytes());
    tiff.extend_from_slice(&1u32.to_be_bytes());
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]);
    tiff.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    tiff.extend_from_slice(SECRET);
    tiff.push(0);
    tiff
}

fn png_with_exif(picture: &DynamicImage) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = PngEncoder::new(&mut out);
    encoder.set_exif_metadata(exif(1)).unwrap();
    picture.write_with_encoder(encoder).unwrap();
    out
}

fn jpeg_with_exif(picture: &DynamicImage, orientation: u16) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = JpegEncoder::new_with_quality(&mut out, 90);
    encoder.set_exif_metadata(exif(orientation)).unwrap();
    picture.write_with_encoder(encoder).unwrap();
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// A valid PNG header declaring `width` × `height` pixels (8-bit, colour type `color`), with one tiny
/// IDAT: a few hundred bytes that would inflate to gigabytes if a decoder believed them.
fn png_bomb(width: u32, height: u32, bit_depth: u8, color: u8) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[bit_depth, color, 0, 0, 0]);
    png_chunk(&mut png, b"IHDR", &ihdr);
    // zlib stream of a stored empty block: well-formed, and what follows is never reached
    png_chunk(
        &mut png,
        b"IDAT",
        &[0x78, 0x01, 0x01, 0x00, 0x00, 0xFF, 0xFF],
    );
    png_chunk(&mut png, b"IEND", &[]);
    png
}

async fn upload(
    app: &TestApp,
    token: Option<&str>,
    bytes: Vec<u8>,
    content_type: &str,
) -> Response {
    let mut req = app
        .client
        .post(app.url("/api/images"))
        .header(CONTENT_TYPE, content_type)
        .body(bytes);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send().await.expect("POST /api/images")
}

/// Uploads `bytes`, asserting 201; returns the response JSON.
async fn uploaded(app: &TestApp, token: &str, bytes: Vec<u8>) -> Value {
    let response = upload(app, Some(token), bytes, "application/octet-stream").await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

/// GET of a picture with optional request headers: status, headers and bytes.
async fn fetch(app: &TestApp, id: &str, headers: HeaderMap) -> (StatusCode, HeaderMap, Vec<u8>) {
    let response = app
        .client
        .get(app.url(&format!("/api/images/{id}")))
        .headers(headers)
        .send()
        .await
        .expect("GET image");
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.bytes().await.unwrap().to_vec())
}

async fn list(app: &TestApp, token: &str) -> Value {
    let response = app.get("/api/images", Some(token)).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[tokio::test]
async fn an_uploaded_png_is_served_without_its_exif_under_the_hash_of_the_served_bytes() {
    let app = spawn_app().await;
    let token = app.register_and_login("ada").await;
    let original = png_with_exif(&gradient(120, 80));
    assert!(contains(&original, b"eXIf") && contains(&original, SECRET));

    let image = uploaded(&app, &token, original.clone()).await;
    let id = image["id"].as_str().unwrap();
    assert_eq!(id.len(), 64);
    assert!(id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')));
    assert_eq!(image["content_type"], "image/png");
    assert_eq!(
        (image["width"].as_u64(), image["height"].as_u64()),
        (Some(120), Some(80))
    );
    assert_eq!(image["url"], format!("/api/images/{id}"));

    // Public: no token.
    let (status, headers, served) = fetch(&app, id, HeaderMap::new()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(
        sha256_hex(&served),
        id,
        "the id is the SHA-256 of the served bytes"
    );
    assert_eq!(image["bytes"].as_u64(), Some(served.len() as u64));
    assert_ne!(served, original, "re-encoded, not stored as uploaded");
    for marker in [&b"eXIf"[..], b"Exif", SECRET] {
        assert!(
            !contains(&served, marker),
            "{:?} survived",
            String::from_utf8_lossy(marker)
        );
    }
    let back = image::load_from_memory(&served).unwrap();
    assert_eq!((back.width(), back.height()), (120, 80));
    assert_eq!(
        back.to_rgb8(),
        gradient(120, 80).to_rgb8(),
        "PNG is lossless"
    );
}

#[tokio::test]
async fn a_jpeg_loses_its_exif_and_is_turned_upright_by_its_orientation() {
    let app = spawn_app().await;
    let token = app.register_and_login("ada").await;
    // Orientation 6: the camera was turned, the viewer rotates 90° clockwise.
    let original = jpeg_with_exif(&gradient(120, 80), 6);
    assert!(contains(&original, b"Exif\0\0") && contains(&original, SECRET));

    let image = uploaded(&app, &token, original).await;
    assert_eq!(image["content_type"], "image/jpeg");
    assert_eq!(
        (image["width"].as_u64(), image["height"].as_u64()),
        (Some(80), Some(120))
    );
    let (status, headers, served) =
        fetch(&app, image["id"].as_str().unwrap(), HeaderMap::new()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "image/jpeg");
    assert_eq!(sha256_hex(&served), image["id"].as_str().unwrap());
    assert!(!contains(&served, b"Exif") && !contains(&served, SECRET));
    let back = image::load_from_memory_with_format(&served, ImageFormat::Jpeg).unwrap();
    assert_eq!((back.width(), back.height()), (80, 120));
}

#[tokio::test]
async fn gif_and_webp_are_accepted_and_stored_as_png_whatever_the_content_type_says() {
    let app = spawn_app().await;
    let token = app.register_and_login("ada").await;
    let picture = DynamicImage::ImageRgba8(RgbaImage::from_fn(64, 48, |x, y| {
        Rgba([
            (x * 4) as u8,
            (y * 5) as u8,
            200,
            if x < 8 { 0 } else { 255 },
        ])
    }));
    for (format, claimed) in [
        (ImageFormat::Gif, "image/gif"),
        (ImageFormat::WebP, "image/webp"),
        (ImageFormat::Gif, "text/plain"),
        (ImageFormat::WebP, "image/jpeg"),
    ] {
        let response = upload(&app, Some(&token), encoded(&picture, format), claimed).await;
        let status = response.status();
        let image: Value = response.json().await.unwrap();
        // The second upload of the same picture is the same stored picture (200, no second copy).
        assert!(
            matches!(status, StatusCode::CREATED | StatusCode::OK),
            "{format:?} as {claimed}: {status} {image}"
        );
        assert_eq!(image["content_type"], "image/png", "{format:?}");
        assert_eq!(
            (image["width"].as_u64(), image["height"].as_u64()),
            (Some(64), Some(48))
        );
        let (_, _, served) = fetch(&app, image["id"].as_str().unwrap(), HeaderMap::new()).await;
        let back = image::load_from_memory_with_format(&served, ImageFormat::Png).unwrap();
        assert!(back.color().has_alpha(), "{format:?}: transparency kept");
        assert_eq!(back.to_rgba8().get_pixel(0, 0)[3], 0, "{format:?}");
    }
    assert_eq!(
        list(&app, &token).await["usage"]["count"],
        2,
        "one GIF, one WebP"
    );
}

#[tokio::test]
async fn a_large_picture_is_scaled_to_1600_px_on_its_longest_side() {
    let app = spawn_app().await;
    let token = app.register_and_login("ada").await;
    let image = uploaded(
        &app,
        &token,
        encoded(&gradient(1800, 3600), ImageFormat::Jpeg),
    )
    .await;
    assert_eq!(
        (image["width"].as_u64(), image["height"].as_u64()),
        (Some(800), Some(1600))
    );
    let (_, _, served) = fetch(&app, image["id"].as_str().unwrap(), HeaderMap::new()).await;
    let back = image::load_from_memory(&served).unwrap();
    assert_eq!((back.width(), back.height()), (800, 1600));
}

#[tokio::test]
async fn bytes_that_are_no_supported_image_are_refused_whatever_they_are_called() {
    let app = spawn_app().await;
    let token = app.register_and_login("ada").await;
    // Formats `image::guess_format` knows but the server does not take (no codec is even compiled in).
    let mut bmp = b"BM".to_vec();
    bmp.resize(64, 0);
    let mut tiff = b"II*\0".to_vec();
    tiff.resize(64, 0);
    let svg =
        br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#.to_vec();
    for (bytes, claimed) in [
        (b"just some text, named cat.png".to_vec(), "image/png"),
        (svg, "image/png"),
        (bmp, "image/bmp"),
        (tiff, "image/png"),
        (Vec::new(), "image/png"),
    ] {
        assert_error(
            upload(&app, Some(&token), bytes, claimed).await,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_image",
        )
        .await;
    }
    // A PNG signature followed by garbage is a PNG that does not decode.
    let mut broken = encoded(&gradient(64, 64), ImageFormat::Png);
    broken.truncate(broken.len() / 2);
    assert_error(
        upload(&app, Some(&token), broken, "image/png").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_image",
    )
    .await;
    assert_eq!(list(&app, &token).await["usage"]["count"], 0);
}

#[tokio::test]
async fn a_decompression_bomb_is_refused_from_its_header() {
    let app = spawn_app().await;
    let token = app.register_and_login("ada").await;
    for (bomb, what) in [
        (png_bomb(100_000, 100_000, 8, 6), "100000 × 100000"),
        (
            png_bomb(8192, 8192, 16, 6),
            "within the side limit, 512 MiB of RGBA16",
        ),
        (png_bomb(1, 1_000_000, 8, 2), "1 × 1000000"),
    ] {
        assert!(bomb.len() < 100, "{what}: the bomb itself is tiny");
        assert_error_in(
            upload(&app, Some(&token), bomb, "image/png").await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "image_dimensions_too_large",
            what,
        )
        .await;
    }
    assert_eq!(list(&app, &token).await["usage"]["count"], 0);
}

#[tokio::test]
async fn an_upload_over_max_image_bytes_is_413_and_nothing_is_stored() {
    let app = spawn_app_with(|c| c.max_image_bytes = 4096).await;
    let token = app.register_and_login("ada").await;
    // Noise compresses badly: well over 4 KiB as PNG.
    let noise = DynamicImage::ImageRgb8(RgbImage::from_fn(64, 64, |x, y| {
        let n = x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503).rotate_left(7);
        Rgb([n as u8, (n >> 8) as u8, (n >> 16) as u8])
    }));
    let big = encoded(&noise, ImageFormat::Png);
    assert!(big.len() > 4096);
    assert_error(
        upload(&app, Some(&token), big, "image/png").await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "image_too_large",
    )
    .await;

    // Without a Content-Length (chunked), the limit holds while the body streams in.
    let mut socket = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let mut request = format!(
        "POST /api/images HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: image/png\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        app.addr
    )
    .into_bytes();
    let mut body = b"\x89PNG\r\n\x1a\n".to_vec();
    body.resize(6000, 0);
    for chunk in body.chunks(1500) {
        request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        request.extend_from_slice(chunk);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    socket.write_all(&request).await.unwrap();
    let mut response = Vec::new();
    let _ = socket.read_to_end(&mut response).await;
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
    assert!(response.contains("\"image_too_large\""), "{response}");

    // A picture under the limit still goes in.
    uploaded(&app, &token, encoded(&gradient(16, 16), ImageFormat::Png)).await;
    let listed = list(&app, &token).await;
    assert_eq!(listed["usage"]["count"], 1, "{listed}");
}

#[tokio::test]
async fn the_default_limit_is_2_mib() {
    let app = spawn_app().await;
    assert_eq!(app.config.max_image_bytes, 2 * 1024 * 1024);
    let token = app.register_and_login("ada").await;
    let mut too_big = encoded(&gradient(8, 8), ImageFormat::Png);
    too_big.resize(2 * 1024 * 1024 + 1, 0);
    assert_error(
        upload(&app, Some(&token), too_big, "image/png").await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "image_too_large",
    )
    .await;
    // Just under it passes the size check (and the trailing bytes are not part of what is stored).
    let mut padded = encoded(&gradient(8, 8), ImageFormat::Png);
    padded.resize(2 * 1024 * 1024, 0);
    let image = uploaded(&app, &token, padded).await;
    assert!(image["bytes"].as_u64().unwrap() < 1024);
}

#[tokio::test]
async fn quotas_count_distinct_pictures_and_refuse_with_409() {
    let app = spawn_app_with(|c| c.image_quota_count = 2).await;
    let token = app.register_and_login("ada").await;
    let first = encoded(&gradient(10, 10), ImageFormat::Png);
    uploaded(&app, &token, first.clone()).await;
    // The same picture again is no second use of the quota.
    let again = upload(&app, Some(&token), first, "image/png").await;
    assert_eq!(again.status(), StatusCode::OK);
    uploaded(&app, &token, encoded(&gradient(11, 10), ImageFormat::Png)).await;
    assert_error(
        upload(
            &app,
            Some(&token),
            encoded(&gradient(12, 10), ImageFormat::Png),
            "image/png",
        )
        .await,
        StatusCode::CONFLICT,
        "image_quota_exceeded",
    )
    .await;
    let listed = list(&app, &token).await;
    assert_eq!(listed["usage"]["count"], 2);
    assert_eq!(listed["usage"]["quota_count"], 2);
    assert_eq!(listed["images"].as_array().unwrap().len(), 2);

    // Another host has their own quota.
    let bob = app.register_and_login("bob").await;
    uploaded(&app, &bob, encoded(&gradient(12, 10), ImageFormat::Png)).await;

    // Deleting frees the room.
    let id = listed["images"][0]["id"].as_str().unwrap();
    let deleted = app.delete(&format!("/api/images/{id}"), &token).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    uploaded(&app, &token, encoded(&gradient(12, 10), ImageFormat::Png)).await;
}

#[tokio::test]
async fn the_byte_quota_holds() {
    let probe = spawn_app().await;
    let token = probe.register_and_login("probe").await;
    let one = encoded(&gradient(40, 40), ImageFormat::Png);
    let size = uploaded(&probe, &token, one.clone()).await["bytes"]
        .as_u64()
        .unwrap();
    drop(probe);

    // Room for the first picture, not for a second.
    let app = spawn_app_with(|c| c.image_quota_bytes = size + 10).await;
    let token = app.register_and_login("ada").await;
    uploaded(&app, &token, one).await;
    assert_error(
        upload(
            &app,
            Some(&token),
            encoded(&gradient(41, 40), ImageFormat::Png),
            "image/png",
        )
        .await,
        StatusCode::CONFLICT,
        "image_quota_exceeded",
    )
    .await;
    let usage = &list(&app, &token).await["usage"];
    assert_eq!(usage["bytes"].as_u64(), Some(size));
    assert_eq!(usage["count"], 1);
    assert_eq!(usage["quota_bytes"].as_u64(), Some(size + 10));
}

#[tokio::test]
async fn the_list_shows_your_pictures_and_usage_only() {
    let app = spawn_app().await;
    let ada = app.register_and_login("ada").await;
    let bob = app.register_and_login("bob").await;
    let image = uploaded(&app, &ada, encoded(&gradient(30, 20), ImageFormat::Jpeg)).await;
    uploaded(&app, &bob, encoded(&gradient(31, 20), ImageFormat::Png)).await;

    let listed = list(&app, &ada).await;
    let images = listed["images"].as_array().unwrap();
    assert_eq!(images.len(), 1);
    let first = &images[0];
    for field in ["id", "content_type", "width", "height", "bytes", "url"] {
        assert_eq!(first[field], image[field], "{field}");
    }
    assert!(first["created_at"].is_string());
    let usage = &listed["usage"];
    assert_eq!(usage["count"], 1);
    assert_eq!(usage["bytes"], image["bytes"]);
    assert_eq!(usage["quota_bytes"].as_u64(), Some(50 * 1024 * 1024));
    assert_eq!(usage["quota_count"], 500);
}

#[tokio::test]
async fn only_the_owner_deletes_and_a_shared_picture_stays_for_the_other_owner() {
    let app = spawn_app().await;
    let ada = app.register_and_login("ada").await;
    let bob = app.register_and_login("bob").await;
    let picture = encoded(&gradient(20, 20), ImageFormat::Png);
    let image = uploaded(&app, &ada, picture.clone()).await;
    let id = image["id"].as_str().unwrap();
    let path = format!("/api/images/{id}");

    assert_error(
        app.delete(&path, &bob).await,
        StatusCode::NOT_FOUND,
        "image_not_found",
    )
    .await;
    assert_eq!(fetch(&app, id, HeaderMap::new()).await.0, StatusCode::OK);
    assert_eq!(list(&app, &ada).await["usage"]["count"], 1);

    // Bob uploads the same picture: the same id, his own copy.
    let bobs = uploaded(&app, &bob, picture).await;
    assert_eq!(bobs["id"], id);
    assert_eq!(
        app.delete(&path, &ada).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        fetch(&app, id, HeaderMap::new()).await.0,
        StatusCode::OK,
        "Bob's copy"
    );
    assert_error(
        app.delete(&path, &ada).await,
        StatusCode::NOT_FOUND,
        "image_not_found",
    )
    .await;
    assert_eq!(
        app.delete(&path, &bob).await.status(),
        StatusCode::NO_CONTENT
    );
    let (status, _, _) = fetch(&app, id, HeaderMap::new()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_picture_is_cached_forever_by_its_etag() {
    let app = spawn_app().await;
    let token = app.register_and_login("ada").await;
    let image = uploaded(&app, &token, encoded(&gradient(20, 20), ImageFormat::Png)).await;
    let id = image["id"].as_str().unwrap();

    let (status, headers, _) = fetch(&app, id, HeaderMap::new()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(headers["etag"], format!("\"{id}\"").as_str());
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'self'"), "{csp}");
    assert_eq!(headers["x-frame-options"], "DENY");

    for if_none_match in [
        format!("\"{id}\""),
        format!("W/\"{id}\""),
        format!("\"{}\", \"{id}\"", "0".repeat(64)),
        "*".to_owned(),
    ] {
        let mut request = HeaderMap::new();
        request.insert("if-none-match", if_none_match.parse().unwrap());
        let (status, headers, body) = fetch(&app, id, request).await;
        assert_eq!(status, StatusCode::NOT_MODIFIED, "{if_none_match}");
        assert!(body.is_empty());
        assert_eq!(headers["etag"], format!("\"{id}\"").as_str());
        assert_eq!(
            headers["cache-control"],
            "public, max-age=31536000, immutable"
        );
    }
    let mut other = HeaderMap::new();
    other.insert(
        "if-none-match",
        format!("\"{}\"", "0".repeat(64)).parse().unwrap(),
    );
    assert_eq!(fetch(&app, id, other).await.0, StatusCode::OK);
}

#[tokio::test]
async fn unknown_and_malformed_ids_are_404_image_not_found() {
    let app = spawn_app().await;
    let token = app.register_and_login("ada").await;
    let image = uploaded(&app, &token, encoded(&gradient(20, 20), ImageFormat::Png)).await;
    let upper = image["id"].as_str().unwrap().to_uppercase();
    let too_long = format!("{}0", image["id"].as_str().unwrap());
    for id in [
        "0".repeat(64),
        upper,
        too_long,
        "not-an-id".to_owned(),
        "..%2F..%2Fetc%2Fpasswd".to_owned(),
        "%00".to_owned(),
        "g".repeat(64),
    ] {
        let path = format!("/api/images/{id}");
        assert_error_in(
            app.get(&path, None).await,
            StatusCode::NOT_FOUND,
            "image_not_found",
            &path,
        )
        .await;
        assert_error_in(
            app.delete(&path, &token).await,
            StatusCode::NOT_FOUND,
            "image_not_found",
            &path,
        )
        .await;
    }
}

#[tokio::test]
async fn uploading_listing_and_deleting_need_a_signed_in_host() {
    let app = spawn_app().await;
    let picture = encoded(&gradient(20, 20), ImageFormat::Png);
    assert_error(
        upload(&app, None, picture.clone(), "image/png").await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    assert_error(
        upload(&app, Some("not.a.token"), picture, "image/png").await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
    assert_error(
        app.get("/api/images", None).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    let response = app
        .client
        .delete(app.url(&format!("/api/images/{}", "0".repeat(64))))
        .send()
        .await
        .unwrap();
    assert_error(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
}
