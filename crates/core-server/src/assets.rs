//! The dashboard's static build, embedded in the binary (or served from a folder during
//! development), with SPA fallback: any non-API path that is not a file gets `index.html`.

use std::borrow::Cow;
use std::path::{Component, Path, PathBuf};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

#[derive(rust_embed::RustEmbed)]
#[folder = "../../dashboard/dist"]
#[allow_missing = true]
struct Embedded;

/// Where the dashboard files come from.
#[derive(Debug, Clone)]
pub enum Assets {
    Embedded,
    Dir(PathBuf),
}

/// Shown when the binary was built before the dashboard was.
const NOT_BUILT: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Farm Controller</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem">
<h1>Farm Controller</h1>
<p>The API is running, but this binary was built without the dashboard.</p>
<p>Build it with <code>make dashboard</code> and rebuild the server (<code>make run</code> does both),
or point <code>--dashboard-dir</code> at a built <code>dashboard/dist</code> folder.</p>
</body></html>
"#;

struct File {
    data: Cow<'static, [u8]>,
    etag: String,
}

impl Assets {
    fn get(&self, path: &str) -> Option<File> {
        match self {
            Assets::Embedded => {
                Embedded::get(path).map(|f| File { etag: hex::encode(f.metadata.sha256_hash()), data: f.data })
            }
            Assets::Dir(root) => {
                let full = root.join(path);
                if !full.is_file() {
                    return None;
                }
                let data = std::fs::read(full).ok()?;
                Some(File { etag: hex::encode(Sha256::digest(&data)), data: Cow::Owned(data) })
            }
        }
    }
}

/// A request path as a relative file path, or `None` when it could escape the root.
fn safe_relative(path: &str) -> Option<&str> {
    let rel = path.trim_start_matches('/');
    let ok = Path::new(rel).components().all(|c| matches!(c, Component::Normal(_))) && !rel.contains('\\');
    ok.then_some(rel)
}

fn cache_control(rel: &str) -> &'static str {
    // Vite puts content-hashed files under assets/: they never change under the same name.
    if rel.starts_with("assets/") { "public, max-age=31536000, immutable" } else { "no-cache" }
}

/// Serves `path` from the dashboard, falling back to `index.html` for client-side routes.
pub fn serve(assets: &Assets, method: &Method, path: &str, headers: &HeaderMap) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    let requested = safe_relative(path).filter(|rel| !rel.is_empty());
    let (rel, file) = match requested.and_then(|rel| assets.get(rel).map(|f| (rel, f))) {
        Some(found) => found,
        None => match assets.get("index.html") {
            Some(index) => ("index.html", index),
            None => {
                let mut response = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], NOT_BUILT).into_response();
                response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
                return response;
            }
        },
    };
    let etag = format!("\"{}\"", file.etag);
    let matches = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| v == etag);
    let mime = mime_guess::from_path(rel).first_or_octet_stream();
    let builder = Response::builder()
        .header(header::CACHE_CONTROL, cache_control(rel))
        .header(header::ETAG, &etag)
        .header(header::CONTENT_TYPE, mime.as_ref());
    let response = if matches {
        builder.status(StatusCode::NOT_MODIFIED).body(Body::empty())
    } else {
        builder.body(Body::from(file.data))
    };
    response.unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_paths_that_escape() {
        assert_eq!(safe_relative("/assets/app.js"), Some("assets/app.js"));
        assert_eq!(safe_relative("/../etc/passwd"), None);
        assert_eq!(safe_relative("/a/../../b"), None);
        assert_eq!(safe_relative("/a\\..\\b"), None);
    }
}
