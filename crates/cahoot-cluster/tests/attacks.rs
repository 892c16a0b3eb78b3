//! The attack suite of `docs/security.md` (ASVS L2) against the local cluster (PostgreSQL, redis-server, two
//! instances, HAProxy): the attacker talks to the two instances DIRECTLY, not through HAProxy, and
//! alternates between them. A control that lives in one instance's memory instead of the shared stores
//! (denylist, valid-after, throttling counters, refresh families, signing keys) fails here while the
//! single-instance suite (`crates/cahoot-server/tests/api/attacks/`) still passes.
//!
//! The instances run with `trust_proxy` (they sit behind HAProxy), so a direct client chooses its address
//! with `X-Forwarded-For`; every test uses its own documentation-range addresses.

use cahoot_client::GameClient;
use cahoot_cluster::{Cluster, ClusterOptions};
use cahoot_protocol::{ClientMessage, PROTOCOL_VERSION, ServerMessage};
use cahoot_testkit::limits::ACCOUNT_ATTEMPTS;
use cahoot_testkit::prelude::{
    PASSWORD, assert_error_in, refresh_cookie, retry_after, session, set_cookies,
};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

const NEW_PASSWORD: &str = "a much better passphrase";
const WAIT: Duration = Duration::from_secs(10);
/// The address a host's ordinary (non-attack) requests come from.
const HOST_ADDRESS: &str = "198.51.100.1";

/// A cluster of two instances and a client that talks to each of them directly.
struct Target {
    cluster: Cluster,
    http: reqwest::Client,
}

async fn target() -> Target {
    let cluster = tokio::task::spawn_blocking(|| Cluster::start(ClusterOptions::for_tests()))
        .await
        .unwrap()
        .expect("start the local cluster");
    assert_eq!(cluster.instances.len(), 2);
    // No cookie store: every test presents exactly the cookies it means to.
    let http = reqwest::Client::new();
    Target { cluster, http }
}

impl Target {
    fn url(&self, instance: usize, path: &str) -> String {
        format!("{}{path}", self.cluster.instance_url(instance))
    }

    fn ws_url(&self, instance: usize) -> String {
        format!(
            "ws://127.0.0.1:{}/ws",
            self.cluster.instances[instance].port
        )
    }

    async fn get(&self, instance: usize, path: &str, token: &str) -> Response {
        self.http
            .get(self.url(instance, path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    async fn post(
        &self,
        instance: usize,
        path: &str,
        token: Option<&str>,
        from: &str,
        body: &Value,
    ) -> Response {
        let mut req = self
            .http
            .post(self.url(instance, path))
            .header("x-forwarded-for", from)
            .json(body);
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        req.send().await.unwrap()
    }

    async fn register(&self, instance: usize, from: &str, username: &str) -> Response {
        let body = json!({"username": username, "password": PASSWORD});
        let res = self
            .post(instance, "/api/auth/register", None, from, &body)
            .await;
        assert_eq!(res.status(), StatusCode::CREATED, "register {username}");
        res
    }

    async fn login(&self, instance: usize, from: &str, username: &str, password: &str) -> Response {
        let body = json!({"username": username, "password": password});
        self.post(instance, "/api/auth/login", None, from, &body)
            .await
    }

    /// Refreshes presenting exactly `refresh_token`, like the SPA does (same-origin fetch).
    async fn refresh(&self, instance: usize, refresh_token: &str) -> Response {
        self.http
            .post(self.url(instance, "/api/auth/refresh"))
            .header("cookie", format!("cahoot_refresh={refresh_token}"))
            .header("sec-fetch-site", "same-origin")
            .send()
            .await
            .unwrap()
    }

    /// Starts a live game of the sample quiz on `instance`; returns its id.
    async fn start_game(&self, instance: usize, token: &str) -> String {
        let quiz = self
            .post(
                instance,
                "/api/quizzes/sample",
                Some(token),
                HOST_ADDRESS,
                &json!({}),
            )
            .await;
        assert_eq!(quiz.status(), StatusCode::CREATED);
        let quiz_id = quiz.json::<Value>().await.unwrap()["id"].clone();
        let game = self
            .post(
                instance,
                "/api/games",
                Some(token),
                HOST_ADDRESS,
                &json!({"quiz_id": quiz_id}),
            )
            .await;
        assert_eq!(game.status(), StatusCode::CREATED);
        game.json::<Value>().await.unwrap()["game_id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The error code of the first message a fresh socket to `instance` gets after a host `hello`.
    async fn hello_error(&self, instance: usize, token: &str, game_id: &str) -> String {
        let mut c = GameClient::connect_raw(&self.ws_url(instance))
            .await
            .unwrap();
        c.send(&ClientMessage::Hello {
            v: PROTOCOL_VERSION,
            token: token.to_owned(),
            game_id: Some(game_id.to_owned()),
        })
        .await
        .unwrap();
        match c.next(WAIT).await.unwrap() {
            ServerMessage::Error { code, .. } => code.to_string(),
            other => panic!("instance {instance}: expected an error, got {other:?}"),
        }
    }

    /// Asserts `token` opens the host socket of `game_id` on `instance`.
    async fn assert_host_welcome(&self, instance: usize, token: &str, game_id: &str) {
        let (_, welcome) = GameClient::connect(&self.ws_url(instance), token, Some(game_id))
            .await
            .unwrap_or_else(|e| panic!("instance {instance}: host socket refused: {e}"));
        assert!(
            matches!(welcome, ServerMessage::Welcome { .. }),
            "{welcome:?}"
        );
    }

    /// Asserts every JWT-protected read on `instance` refuses `token` with 401 `code`.
    async fn assert_api_refuses(&self, instance: usize, token: &str, code: &str) {
        for path in ["/api/auth/me", "/api/quizzes", "/api/games"] {
            let res = self.get(instance, path, token).await;
            assert_error_in(
                res,
                StatusCode::UNAUTHORIZED,
                code,
                &format!("{path} on {instance}"),
            )
            .await;
        }
    }

    async fn assert_api_accepts(&self, instance: usize, token: &str) {
        for path in ["/api/auth/me", "/api/quizzes", "/api/games"] {
            let res = self.get(instance, path, token).await;
            assert_eq!(
                res.status(),
                StatusCode::OK,
                "{path} on instance {instance}"
            );
        }
    }
}

/// The access token of a session response (which must set a refresh cookie too).
async fn access_token(response: Response) -> String {
    session(response).await.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_access_token_revoked_by_logout_on_one_instance_is_dead_on_the_other_api_and_socket() {
    let t = target().await;
    let token = access_token(t.register(0, "198.51.100.10", "ada").await).await;
    let game_id = t.start_game(0, &token).await;
    // Control: before logout the token works on both instances, on the API and on the socket.
    for i in 0..2 {
        t.assert_api_accepts(i, &token).await;
        t.assert_host_welcome(i, &token, &game_id).await;
    }
    let res = t
        .post(
            0,
            "/api/auth/logout",
            Some(&token),
            "198.51.100.10",
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    // The denylist entry is in the live store, so the OTHER instance refuses the token too.
    for i in [1, 0] {
        t.assert_api_refuses(i, &token, "token_revoked").await;
        assert_eq!(
            t.hello_error(i, &token, &game_id).await,
            "unauthorized",
            "host hello on instance {i}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_change_on_one_instance_kills_the_old_token_on_both_and_the_new_one_works() {
    let t = target().await;
    let from = "198.51.100.20";
    let (old, old_refresh) = session(t.register(0, from, "ada").await).await;
    let game_id = t.start_game(1, &old).await;
    t.assert_api_accepts(1, &old).await;
    let res = t
        .post(
            0,
            "/api/auth/password",
            Some(&old),
            from,
            &json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let (fresh, fresh_refresh) = session(res).await;
    for i in [1, 0] {
        // The old access token dies everywhere (valid-after is in PostgreSQL)…
        t.assert_api_refuses(i, &old, "token_revoked").await;
        assert_eq!(
            t.hello_error(i, &old, &game_id).await,
            "unauthorized",
            "old token, host hello on instance {i}"
        );
        // …and the new session works everywhere.
        t.assert_api_accepts(i, &fresh).await;
        t.assert_host_welcome(i, &fresh, &game_id).await;
    }
    // The old refresh family ended too, the new one rotates on the other instance.
    assert_error_in(
        t.refresh(1, &old_refresh).await,
        StatusCode::UNAUTHORIZED,
        "invalid_refresh_token",
        "old refresh cookie on instance 1",
    )
    .await;
    assert_eq!(t.refresh(1, &fresh_refresh).await.status(), StatusCode::OK);
    // Only the new password signs in, on either instance.
    for i in 0..2 {
        assert_error_in(
            t.login(i, from, "ada", PASSWORD).await,
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            &format!("old password on instance {i}"),
        )
        .await;
        assert_eq!(
            t.login(i, from, "ada", NEW_PASSWORD).await.status(),
            StatusCode::OK
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alternating_instances_does_not_double_the_per_account_login_budget() {
    let t = Arc::new(target().await);
    t.register(0, "198.51.100.30", "ada").await;
    // Sequential guesses, alternating instance AND address: the account budget is shared.
    for n in 0..ACCOUNT_ATTEMPTS {
        let i = (n % 2) as usize;
        let res = t.login(i, &format!("203.0.113.{n}"), "ada", "guess").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "guess {n} on {i}");
    }
    // Now even the RIGHT password is refused on both instances, without being checked.
    for i in [1, 0] {
        let res = t.login(i, "203.0.113.99", "ada", PASSWORD).await;
        assert!(retry_after(&res) > 0);
        assert_error_in(
            res,
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            &format!("right password on instance {i}"),
        )
        .await;
    }

    // A burst of concurrent guesses split over both instances: exactly the budget is checked, no more.
    t.register(1, "198.51.100.31", "grace").await;
    let burst = 4 * ACCOUNT_ATTEMPTS;
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..burst {
        let t = Arc::clone(&t);
        tasks.spawn(async move {
            let i = (n % 2) as usize;
            t.login(i, &format!("203.0.113.{}", 100 + n), "grace", "guess")
                .await
                .status()
        });
    }
    let statuses: Vec<StatusCode> = tasks.join_all().await;
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count() as u64;
    let throttled = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count() as u64;
    assert_eq!(
        (checked, throttled),
        (ACCOUNT_ATTEMPTS, burst - ACCOUNT_ATTEMPTS),
        "{statuses:?}"
    );
    for i in 0..2 {
        let res = t.login(i, "203.0.113.250", "grace", PASSWORD).await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "instance {i}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alternating_instances_does_not_double_the_per_address_login_budget() {
    let t = target().await;
    let limit = cahoot_testkit::limits::login_limit_per_address();
    let attacker = "192.0.2.66";
    t.register(0, "198.51.100.40", "ada").await;
    // limit - 1 attempts from one address, alternating instances. After the first few the unknown name is
    // locked by the account rule, so most cost no hash, but every one counts against the address.
    for n in 0..limit - 1 {
        let res = t.login((n % 2) as usize, attacker, "nobody", "guess").await;
        let want = if n < ACCOUNT_ATTEMPTS {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(res.status(), want, "attempt {n}");
    }
    // The last attempt of the budget goes through (each instance alone has seen only half of it)…
    let last = (limit - 1) % 2;
    let res = t.login(last as usize, attacker, "ada", PASSWORD).await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "attempt {limit} is within the budget"
    );
    // …and the next one is refused on the other instance, and on the same one, even with the right
    // password of an account that never failed.
    for i in [1 - last, last] {
        let res = t.login(i as usize, attacker, "ada", PASSWORD).await;
        assert!(retry_after(&res) > 0);
        assert_error_in(
            res,
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            &format!("over the address budget on instance {i}"),
        )
        .await;
    }
    // The limit is per address: another address signs in on both instances.
    for i in 0..2 {
        let res = t.login(i, "192.0.2.67", "ada", PASSWORD).await;
        assert_eq!(res.status(), StatusCode::OK, "another address on {i}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_tokens_are_rejected_by_both_instances_and_genuine_ones_are_accepted_by_both() {
    let t = target().await;
    let ada = access_token(t.register(0, "198.51.100.50", "ada").await).await;
    let grace = access_token(t.register(1, "198.51.100.50", "grace").await).await;
    let game_id = t.start_game(1, &grace).await;
    // Shared keys: a token issued by either instance is accepted by both.
    for token in [&ada, &grace] {
        for i in 0..2 {
            t.assert_api_accepts(i, token).await;
        }
    }
    t.assert_host_welcome(0, &grace, &game_id).await;

    let parts: Vec<&str> = grace.split('.').collect();
    assert_eq!(parts.len(), 3, "{grace}");
    let header: Value = serde_json::from_slice(&b64::decode(parts[0])).unwrap();
    assert_eq!(header["alg"], "HS256", "{header}");
    let kid = header["kid"].clone();
    let claims: Value = serde_json::from_slice(&b64::decode(parts[1])).unwrap();
    let ada_claims: Value =
        serde_json::from_slice(&b64::decode(ada.split('.').nth(1).unwrap())).unwrap();
    let (signing_input, signature) = grace.rsplit_once('.').unwrap();
    let mut flipped = b64::decode(signature);
    flipped[0] ^= 0x01;

    let mut forgeries = vec![
        ("stripped signature", format!("{signing_input}.")),
        ("no signature part", signing_input.to_owned()),
        (
            "one bit of the signature flipped",
            format!("{signing_input}.{}", b64::encode(&flipped)),
        ),
        (
            "zero signature",
            format!("{signing_input}.{}", b64::encode([0; 32])),
        ),
    ];
    for alg in ["none", "None", "NONE", ""] {
        let none = b64::encode(json!({"alg": alg, "typ": "JWT", "kid": kid}).to_string());
        forgeries.push(("alg none", format!("{none}.{}.", parts[1])));
        forgeries.push((
            "alg none, kept signature",
            format!("{none}.{}.{signature}", parts[1]),
        ));
    }
    for alg in ["HS384", "HS512", "RS256", "ES256", "EdDSA"] {
        let other = b64::encode(json!({"alg": alg, "typ": "JWT", "kid": kid}).to_string());
        forgeries.push(("other alg", format!("{other}.{}.{signature}", parts[1])));
    }
    // Grace's valid signature on altered claims: become Ada, live longer.
    let mut as_ada = claims.clone();
    as_ada["sub"] = ada_claims["sub"].clone();
    let mut longer = claims.clone();
    longer["exp"] = json!(claims["exp"].as_u64().unwrap() + 86_400 * 365);
    for (what, altered) in [("sub changed", as_ada), ("exp changed", longer)] {
        let payload = b64::encode(altered.to_string());
        forgeries.push((what, format!("{}.{payload}.{signature}", parts[0])));
        let none = b64::encode(json!({"alg": "none", "typ": "JWT", "kid": kid}).to_string());
        forgeries.push((what, format!("{none}.{payload}.")));
    }

    for (what, forged) in &forgeries {
        for i in 0..2 {
            let res = t.get(i, "/api/auth/me", forged).await;
            assert_eq!(
                res.status(),
                StatusCode::UNAUTHORIZED,
                "{what} on instance {i}"
            );
            let body: Value = res.json().await.unwrap();
            assert_eq!(
                body["code"], "invalid_token",
                "{what} on instance {i}: {body}"
            );
            assert_eq!(
                t.hello_error(i, forged, &game_id).await,
                "unauthorized",
                "{what}: host hello on instance {i}"
            );
        }
    }
    // The genuine tokens still work on both after all that.
    for i in 0..2 {
        t.assert_api_accepts(i, &grace).await;
        t.assert_api_accepts(i, &ada).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_token_replayed_on_the_other_instance_revokes_the_family_on_both() {
    let t = target().await;
    let from = "198.51.100.60";
    let (_, stolen) = session(t.register(0, from, "ada").await).await;
    // The victim keeps using the app on instance 0: the token rotates twice.
    let mut victim = stolen.clone();
    for _ in 0..2 {
        let res = t.refresh(0, &victim).await;
        assert_eq!(res.status(), StatusCode::OK);
        victim = refresh_cookie(&res).unwrap();
    }
    // Ada's laptop has a session of its own (another family), made on instance 1.
    let (_, laptop) = session(t.login(1, from, "ada", PASSWORD).await).await;
    // The attacker replays the stolen, already used token on the OTHER instance.
    let replay = t.refresh(1, &stolen).await;
    let cleared = set_cookies(&replay).join("\n");
    assert!(
        cleared.contains("cahoot_refresh=;"),
        "cookie cleared: {cleared}"
    );
    assert_error_in(
        replay,
        StatusCode::UNAUTHORIZED,
        "refresh_token_reused",
        "replay on instance 1",
    )
    .await;
    // The whole family is dead on both instances, including the victim's newest token…
    for i in [0, 1] {
        assert_error_in(
            t.refresh(i, &victim).await,
            StatusCode::UNAUTHORIZED,
            "invalid_refresh_token",
            &format!("the rotated token on instance {i}"),
        )
        .await;
        // …and replaying again resurrects nothing.
        assert_eq!(
            t.refresh(i, &stolen).await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    // The other family is untouched, on the instance that did not create it.
    assert_eq!(t.refresh(0, &laptop).await.status(), StatusCode::OK);
}

/// The victim and a thief refresh with the same token at the same moment, one on each instance: exactly
/// one rotates, the other is detected as reuse and the whole family dies. (Found a real race: the store
/// read `used_at` and then updated it unconditionally, so on PostgreSQL both rotated; the claim is now one
/// conditional UPDATE, also covered by durable_contract.rs::concurrent_refreshes_of_one_token_rotate_it_once.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_token_raced_on_both_instances_rotates_once_and_the_replay_revokes_the_family() {
    let t = Arc::new(target().await);
    let from = "198.51.100.70";
    let (_, mut token) = session(t.register(0, from, "ada").await).await;
    // The race is timing-dependent; a server with the bug loses most rounds, a correct one none.
    const ROUNDS: usize = 20;
    let mut failures = Vec::new();
    for round in 0..ROUNDS {
        if round > 0 {
            token = session(t.login(round % 2, from, "ada", PASSWORD).await)
                .await
                .1;
        }
        // Victim on instance 0 and thief on instance 1 present the same token at the same moment.
        let barrier = Arc::new(tokio::sync::Barrier::new(2));
        let racers = [0, 1].map(|i| {
            let (t, barrier, token) = (Arc::clone(&t), Arc::clone(&barrier), token.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let res = t.refresh(i, &token).await;
                let rotated = refresh_cookie(&res);
                let status = res.status();
                let code = res.json::<Value>().await.ok().map(|b| b["code"].clone());
                (status, code, rotated)
            })
        });
        let mut outcomes = Vec::new();
        for racer in racers {
            outcomes.push(racer.await.unwrap());
        }
        let winners: Vec<&String> = outcomes
            .iter()
            .filter(|(status, _, _)| *status == StatusCode::OK)
            .filter_map(|(_, _, rotated)| rotated.as_ref())
            .collect();
        let reused = outcomes
            .iter()
            .filter(|(_, code, _)| *code == Some(json!("refresh_token_reused")))
            .count();
        // Whatever came out of the race must be dead now: the loser's replay revoked the family.
        let mut alive = 0;
        for (i, rotated) in winners.iter().enumerate() {
            if t.refresh(i % 2, rotated).await.status() == StatusCode::OK {
                alive += 1;
            }
        }
        if (winners.len(), reused, alive) != (1, 1, 0) {
            failures.push(format!(
                "round {round}: {} rotated, {reused} reuse detected, {alive} rotated token(s) still alive",
                winners.len()
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Tiny base64url (no padding) for hand-built tokens; this crate has no base64 dependency.
mod b64 {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    pub fn encode(input: impl AsRef<[u8]>) -> String {
        let mut out = String::new();
        for chunk in input.as_ref().chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
            for i in 0..=chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            }
        }
        out
    }

    pub fn decode(input: &str) -> Vec<u8> {
        let mut out = Vec::new();
        let (mut acc, mut bits) = (0u32, 0);
        for c in input.bytes() {
            let v = ALPHABET
                .iter()
                .position(|a| *a == c)
                .unwrap_or_else(|| panic!("not base64url: {input}")) as u32;
            acc = acc << 6 | v;
            bits += 6;
            if bits >= 8 {
                bits -= 8;
                out.push((acc >> bits) as u8);
                acc &= (1 << bits) - 1;
            }
        }
        out
    }

    #[test]
    fn round_trips() {
        for s in ["", "f", "fo", "foo", "foob", "fooba", "foobar"] {
            assert_eq!(decode(&encode(s)), s.as_bytes());
        }
        assert_eq!(encode("foobar"), "Zm9vYmFy");
        assert_eq!(encode("fo"), "Zm8");
    }
}
