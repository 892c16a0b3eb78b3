//! Reading what responses carry: error codes, tokens, cookies.

use reqwest::{Response, StatusCode};
use serde_json::Value;

/// The access token of a session response.
pub async fn access_token(response: Response) -> String {
    let body: Value = response.json().await.expect("session JSON");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

/// The refresh token a response sets, if any.
pub fn refresh_cookie(response: &Response) -> Option<String> {
    set_cookies(response)
        .iter()
        .find_map(|c| c.strip_prefix("cahoot_refresh="))
        .map(|rest| rest.split(';').next().unwrap_or_default().to_owned())
        .filter(|v| !v.is_empty())
}

/// Every `Set-Cookie` header of a response.
pub fn set_cookies(response: &Response) -> Vec<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::to_owned)
        .collect()
}

/// Asserts the status and the error code of a JSON error response; returns the body.
pub async fn assert_error(response: Response, status: StatusCode, code: &str) -> Value {
    assert_error_in(response, status, code, "response").await
}

/// [`assert_error`], naming `what` was refused in the failure message.
pub async fn assert_error_in(
    response: Response,
    status: StatusCode,
    code: &str,
    what: &str,
) -> Value {
    assert_eq!(response.status(), status, "status of {what}");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "{what}: content type {content_type:?}"
    );
    let body: Value = response.json().await.expect("error JSON");
    assert_eq!(body["code"], code, "{what}: body {body}");
    assert!(body["message"].is_string(), "{what}: body {body}");
    body
}

/// The access token of a session response, and its refresh cookie.
pub async fn session(response: Response) -> (String, String) {
    let refresh = refresh_cookie(&response).expect("a refresh cookie");
    (access_token(response).await, refresh)
}

/// The `Retry-After` seconds of a throttled response.
pub fn retry_after(response: &Response) -> u64 {
    response.headers()["retry-after"]
        .to_str()
        .expect("an ASCII retry-after")
        .parse()
        .expect("retry-after in seconds")
}

/// The code of the next `error` frame `client` receives (other frames are skipped).
pub async fn next_error_code(client: &mut cahoot_client::GameClient) -> String {
    let msg = client
        .wait_for(std::time::Duration::from_secs(10), "error", |m| {
            matches!(m, cahoot_protocol::ServerMessage::Error { .. })
        })
        .await
        .expect("an error frame");
    match msg {
        cahoot_protocol::ServerMessage::Error { code, .. } => code.to_string(),
        other => panic!("not an error: {other:?}"),
    }
}
