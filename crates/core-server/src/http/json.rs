//! JSON request bodies: like axum's `Json`, but every failure is an `ApiError` — malformed JSON
//! is 400, a body over the limit 413, and a well-formed body of the wrong shape (unknown field,
//! missing field, wrong type) 422 naming the field by its path (`blocks[0].end`).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::domain::FieldError;
use crate::error::ApiError;

pub struct Json<T>(pub T);

/// Like `Json`, but bare `NaN`, `Infinity` and `-Infinity` tokens (which Python's json module
/// writes) are read as `null`, so the handler can reject the reading they stand in with a 422
/// that names it instead of a 400 for the whole body.
pub struct LenientJson<T>(pub T);

/// `application/json`, with no parameter but an optional `charset=utf-8`: JSON is UTF-8
/// (RFC 8259), so a body declared in another encoding would be read as something it is not.
fn is_json_content_type(content_type: &str) -> bool {
    let mut parts = content_type.split(';');
    let media_type_is_json = parts.next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
    media_type_is_json
        && parts.all(|p| match p.split_once('=') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("charset") => {
                value.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
            }
            _ => true,
        })
}

/// The body of a JSON request, within the body limit.
async fn json_body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    let is_json =
        req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(is_json_content_type);
    if !is_json {
        return Err(ApiError::bad_request("expected a JSON body with Content-Type: application/json"));
    }
    Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(rejection.status(), "request body is too large")
        } else {
            ApiError::bad_request(rejection.body_text())
        }
    })
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        parse(&json_body(req, state).await?).map(Json)
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for LenientJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = json_body(req, state).await?;
        parse(&non_finite_to_null(&bytes)).map(LenientJson)
    }
}

/// Replaces the non-JSON number tokens `NaN`, `Infinity` and `-Infinity` outside strings with
/// `null` (padded to keep the length, so error positions stay meaningful).
pub fn non_finite_to_null(bytes: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    const TOKENS: [&[u8]; 3] = [b"-Infinity", b"Infinity", b"NaN"];
    // Every token holds an 'N' or an 'I'; `contains` on bytes is memchr, so the usual body
    // (a telemetry batch has neither letter) costs two quick scans and no copy.
    if !bytes.contains(&b'N') && !bytes.contains(&b'I') {
        return std::borrow::Cow::Borrowed(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len());
    let (mut i, mut in_string, mut escaped) = (0, false, false);
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
        } else if b == b'"' {
            in_string = true;
        } else if let Some(t) = TOKENS.iter().find(|t| bytes[i..].starts_with(t)) {
            out.extend_from_slice(b"null");
            out.extend(std::iter::repeat_n(b' ', t.len().saturating_sub(4)));
            i += t.len();
            continue;
        }
        out.push(b);
        i += 1;
    }
    std::borrow::Cow::Owned(out)
}

/// Deserializes a JSON document, classifying failures as 400 (not JSON) or 422 (wrong shape).
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // The fast path; the path-tracking deserializer (several times slower) runs only to
    // explain a failure.
    if let Ok(value) = serde_json::from_slice(bytes) {
        // serde also reads a struct from an array of its fields in order; the contract says
        // every body is an object, so that form is refused.
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
            return Err(ApiError::validation(vec![FieldError::new("body", "must be a JSON object")]));
        }
        return Ok(value);
    }
    let malformed =
        |e: &serde_json::Error| ApiError::bad_request(format!("malformed JSON: {}", without_position(&e.to_string())));
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if inner.is_data() {
            ApiError::validation(vec![describe_data_error(&path, &without_position(&inner.to_string()))])
        } else {
            malformed(&inner)
        }
    })?;
    de.end().map_err(|e| malformed(&e))?;
    Ok(value)
}

fn without_position(message: &str) -> String {
    match message.rsplit_once(" at line ") {
        Some((head, _)) => head.to_owned(),
        None => message.to_owned(),
    }
}

fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() || parent == "." { name.to_owned() } else { format!("{parent}.{name}") }
}

/// serde names an unknown or missing field in its message, not its path; move it to the path.
fn describe_data_error(path: &str, message: &str) -> FieldError {
    let quoted = |prefix: &str| message.strip_prefix(prefix).and_then(|rest| rest.split('`').next()).map(str::to_owned);
    let path = if path == "." { "" } else { path };
    if let Some(name) = quoted("unknown field `") {
        // The path already ends at the unknown key.
        let field = if path.is_empty() { name } else { path.to_owned() };
        return FieldError::new(field, "is not a known field");
    }
    if let Some(name) = quoted("missing field `") {
        return FieldError::new(join(path, &name), "is required");
    }
    let field = if path.is_empty() { "body".to_owned() } else { path.to_owned() };
    FieldError::new(field, message.to_owned())
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[test]
    fn a_struct_written_as_an_array_is_refused() {
        let err = parse::<Block>(br#" ["06:00", "07:00"]"#).expect_err("refused");
        assert_eq!(err.into_response().status(), axum::http::StatusCode::UNPROCESSABLE_ENTITY);
        assert!(parse::<Block>(br#"{"start": "06:00", "end": "07:00"}"#).is_ok());
    }

    #[test]
    fn json_content_type_allows_only_a_utf8_charset() {
        for ok in ["application/json", "Application/JSON ; charset=UTF-8", "application/json; charset=\"utf-8\""] {
            assert!(is_json_content_type(ok), "{ok}");
        }
        for bad in
            ["text/plain", "application/json; charset=utf-16", "application/jsonx", "application/json;charset=latin1"]
        {
            assert!(!is_json_content_type(bad), "{bad}");
        }
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Block {
        start: String,
        end: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        blocks: Vec<Block>,
    }

    fn field_of(json: &str) -> (u16, String) {
        let err = parse::<Body>(json.as_bytes()).unwrap_err();
        let body = serde_json::to_value(format!("{err:?}")).unwrap();
        (err.status().as_u16(), body.to_string())
    }

    #[test]
    fn non_finite_tokens_become_null_outside_strings() {
        let input = br#"{"a": NaN, "b": -Infinity, "c": "NaN \" Infinity", "d": Infinity}"#;
        let out = non_finite_to_null(input);
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v, serde_json::json!({"a": null, "b": null, "c": "NaN \" Infinity", "d": null}));
        assert!(matches!(non_finite_to_null(b"{\"a\": 1}"), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn classifies_failures() {
        assert_eq!(field_of("{").0, 400);
        assert_eq!(field_of("{\"name\": NaN}").0, 400);
        let (status, text) = field_of(r#"{"name":"a","blocks":[{"start":"x","end":"y","oops":1}]}"#);
        assert_eq!(status, 422);
        assert!(text.contains("blocks[0].oops"), "{text}");
        let (status, text) = field_of(r#"{"name":"a","blocks":[{"start":"x"}]}"#);
        assert_eq!(status, 422);
        assert!(text.contains("blocks[0].end"), "{text}");
        let (status, text) = field_of(r#"{"name":5,"blocks":[]}"#);
        assert_eq!(status, 422);
        assert!(text.contains("field: \\\"name\\\""), "{text}");
        assert_eq!(field_of(r#"{"name":"a","blocks":[]} trailing"#).0, 400);
    }
}
