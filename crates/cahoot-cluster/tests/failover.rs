//! Failover through HAProxy on the local cluster (PostgreSQL, redis-server, 2 instances, HAProxy):
//! a host and 50 simulated players play while instances are SIGKILLed in every phase, including the
//! instance the host is on. Every client must come back, every acknowledged answer must be recorded exactly
//! once, scores must equal a reference recomputed from those answers, and the finished game must be stored
//! once in PostgreSQL.

use cahoot_client::GameClient;
use cahoot_client::bot::{BotStatus, PlayerBot, Strategy};
use cahoot_cluster::{Cluster, ClusterOptions};
use cahoot_protocol::{AnswerValue, ClientMessage, PhaseName, ServerMessage, StateView};
use cahoot_testkit::Api;
use cahoot_testkit::live::{GameStore, connect_valkey};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

const PLAYERS: usize = 50;
const WAIT: Duration = Duration::from_secs(30);

/// Four questions with four answers each, long time limits: only the test closes questions.
fn quiz() -> Value {
    let q = |i: usize| {
        json!({"text": format!("Question {i}"), "answers": ["a", "b", "c", "d"], "correct": i % 4,
               "time_limit_secs": 120})
    };
    json!({"title": "Failover", "questions": [q(0), q(1), q(2), q(3)]})
}

/// A host client that reconnects like the web UI does.
struct Host {
    ws_url: String,
    token: String,
    game_id: String,
    client: Option<GameClient>,
    instance: Option<String>,
    state: Option<StateView>,
    reconnects: Vec<Duration>,
}

impl Host {
    /// A host client of `game_id`, connected through the cluster's HAProxy.
    async fn connected(cluster: &Cluster, token: &str, game_id: &str) -> Host {
        let mut host = Host {
            ws_url: cluster.ws_url(),
            token: token.to_owned(),
            game_id: game_id.to_owned(),
            client: None,
            instance: None,
            state: None,
            reconnects: Vec::new(),
        };
        host.connect().await;
        host
    }

    async fn connect(&mut self) {
        let lost_at = Instant::now();
        let had_connection = self.state.is_some();
        let deadline = lost_at + WAIT;
        loop {
            match GameClient::connect(&self.ws_url, &self.token, Some(&self.game_id)).await {
                Ok((mut client, ServerMessage::Welcome { instance, .. })) => {
                    if let Ok(view) = client.wait_state(WAIT, "host snapshot", |_| true).await {
                        self.instance = instance;
                        self.state = Some(view);
                        self.client = Some(client);
                        if had_connection {
                            self.reconnects.push(lost_at.elapsed());
                        }
                        return;
                    }
                }
                _ => assert!(Instant::now() < deadline, "host could not reconnect"),
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits (reconnecting when needed) for a state matching `want`.
    async fn wait_state(
        &mut self,
        what: &'static str,
        want: impl Fn(&StateView) -> bool,
    ) -> StateView {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(s) = &self.state
                && want(s)
            {
                return s.clone();
            }
            assert!(Instant::now() < deadline, "host never saw {what}");
            let Some(client) = self.client.as_mut() else {
                self.connect().await;
                continue;
            };
            match client.next(Duration::from_secs(5)).await {
                Ok(ServerMessage::State(v)) => self.state = Some(*v),
                Ok(ServerMessage::Reconnect { .. }) | Err(_) => {
                    self.client = None;
                    self.connect().await;
                }
                Ok(_) => {}
            }
        }
    }

    /// Sends `cmd` until the game reaches `want` (a command lost with its connection is sent again, but
    /// never twice once the effect is visible).
    async fn advance(
        &mut self,
        cmd: ClientMessage,
        what: &'static str,
        want: impl Fn(&StateView) -> bool + Copy,
    ) {
        let deadline = Instant::now() + WAIT;
        while !self.state.as_ref().is_some_and(want) {
            assert!(Instant::now() < deadline, "host could not reach {what}");
            if self.client.is_none() {
                self.connect().await;
                continue;
            }
            let sent = self.client.as_mut().unwrap().send(&cmd).await.is_ok();
            if !sent {
                self.client = None;
                continue;
            }
            let client = self.client.as_mut().unwrap();
            let step_deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < step_deadline {
                match client.next(Duration::from_secs(5)).await {
                    Ok(ServerMessage::State(v)) => {
                        self.state = Some(*v);
                        if self.state.as_ref().is_some_and(want) {
                            return;
                        }
                    }
                    Ok(ServerMessage::Error { code, message }) => {
                        panic!("host command refused: {code}: {message}")
                    }
                    Ok(_) => {}
                    Err(_) => {
                        self.client = None;
                        break;
                    }
                }
            }
        }
    }
}

fn phase(p: PhaseName, q: Option<u32>) -> impl Fn(&StateView) -> bool + Copy {
    move |s: &StateView| {
        s.phase == p
            && (q.is_none()
                || s.question.as_ref().map(|x| x.index) == q
                || p == PhaseName::Leaderboard)
    }
}

/// The instance index serving a client, by the pid its `welcome` named.
fn instance_index(cluster: &Cluster, instance: &Option<String>) -> usize {
    let pid: u32 = instance
        .as_ref()
        .and_then(|s| s.parse().ok())
        .expect("welcome names its instance");
    cluster
        .instances
        .iter()
        .position(|i| i.pid() == Some(pid))
        .expect("a running instance")
}

async fn all(
    bots: &mut [watch::Receiver<BotStatus>],
    what: &str,
    want: impl Fn(&BotStatus) -> bool,
) {
    for (i, bot) in bots.iter_mut().enumerate() {
        let reached = tokio::time::timeout(WAIT, bot.wait_for(|s| want(s)))
            .await
            .is_ok();
        assert!(
            reached,
            "player {i} never reached: {what}: {:?}",
            *bot.borrow()
        );
    }
}

/// Kills the instance `victim`, waits until every client is connected elsewhere, restarts the victim.
async fn kill_and_recover(
    cluster: &mut Cluster,
    victim: usize,
    host: &mut Host,
    bots: &mut [watch::Receiver<BotStatus>],
) {
    let pid = cluster.instances[victim].pid().map(|p| p.to_string());
    cluster.kill_instance(victim);
    all(bots, "reconnected to a survivor", |s| {
        s.connected && s.instance.is_some() && s.instance != pid
    })
    .await;
    // The host notices on its next read; make it read now.
    host.wait_state("host alive", |_| true).await;
    if host.instance == pid {
        host.client = None;
        host.connect().await;
    }
    assert_ne!(host.instance, pid, "host still on the killed instance");
    cluster
        .restart_instance(victim)
        .expect("restart killed instance");
}

fn percentile(mut v: Vec<Duration>, p: f64) -> Duration {
    v.sort();
    if v.is_empty() {
        return Duration::ZERO;
    }
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_killed_in_every_phase_lose_no_answer_and_no_point() {
    let mut cluster = tokio::task::spawn_blocking(|| Cluster::start(ClusterOptions::for_tests()))
        .await
        .unwrap()
        .expect("start the local cluster");
    let api = Api::register(&cluster.url(), "teacher").await;
    let quiz_id = api.create_quiz(&quiz()).await.id;
    let game = api.start_game(quiz_id).await;
    let (game_id, pin) = (game.game_id, game.pin);

    // Players join through HAProxy; even players answer at once, odd ones after 1.5 s.
    let mut bots = Vec::new();
    let mut names = Vec::new();
    for i in 0..PLAYERS {
        let name = format!("p{i:02}");
        let token = api.join(&pin, &name).await.player_token;
        let strategy: Strategy = Arc::new(move |q, _: &[String]| {
            let delay = if i % 2 == 0 {
                Duration::ZERO
            } else {
                Duration::from_millis(1500)
            };
            Some((AnswerValue::Choice(((i as u32) + q) % 4), delay))
        });
        let (rx, _task) = PlayerBot::spawn(&cluster.ws_url(), &token, &name, strategy);
        bots.push(rx);
        names.push(name);
    }
    all(&mut bots, "lobby", |s| {
        s.connected && s.phase == Some(PhaseName::Lobby)
    })
    .await;
    let mut host = Host::connected(&cluster, &api.token, &game_id).await;

    // 1. Lobby: kill the host's instance.
    let victim = instance_index(&cluster, &host.instance);
    kill_and_recover(&mut cluster, victim, &mut host, &mut bots).await;
    host.wait_state("full lobby", |s| s.player_count == PLAYERS as u64)
        .await;

    // 2. Mid-question, after the even players' answers were acknowledged: kill the host's instance.
    host.advance(
        ClientMessage::Start,
        "question 0",
        phase(PhaseName::Question, Some(0)),
    )
    .await;
    for (i, bot) in bots.iter_mut().enumerate().filter(|(i, _)| i % 2 == 0) {
        tokio::time::timeout(WAIT, bot.wait_for(|s| s.acks.contains_key(&0)))
            .await
            .unwrap_or_else(|_| panic!("player {i} answer not acknowledged"))
            .unwrap();
    }
    let victim = instance_index(&cluster, &host.instance);
    kill_and_recover(&mut cluster, victim, &mut host, &mut bots).await;
    all(&mut bots, "answer 0 acknowledged", |s| {
        s.acks.contains_key(&0)
    })
    .await;
    // Everyone connected answered: the question closes by itself.
    host.wait_state("reveal 0", phase(PhaseName::Reveal, Some(0)))
        .await;

    // 3. Reveal: kill the host's instance.
    let victim = instance_index(&cluster, &host.instance);
    kill_and_recover(&mut cluster, victim, &mut host, &mut bots).await;
    host.advance(
        ClientMessage::Next,
        "leaderboard 0",
        phase(PhaseName::Leaderboard, None),
    )
    .await;

    // 4. Leaderboard: kill the instance the host is NOT on.
    let victim = 1 - instance_index(&cluster, &host.instance);
    kill_and_recover(&mut cluster, victim, &mut host, &mut bots).await;

    // Play question 1 normally, then end the game.
    host.advance(
        ClientMessage::Next,
        "question 1",
        phase(PhaseName::Question, Some(1)),
    )
    .await;
    all(&mut bots, "answer 1 acknowledged", |s| {
        s.acks.contains_key(&1)
    })
    .await;
    host.wait_state("reveal 1", phase(PhaseName::Reveal, Some(1)))
        .await;
    host.advance(ClientMessage::End, "podium", phase(PhaseName::Podium, None))
        .await;
    all(&mut bots, "podium", |s| s.finished).await;
    let podium = host.state.clone().unwrap();

    // Every acknowledged answer is in the live store exactly once, with the acknowledged choice.
    let live = connect_valkey(&cluster.redis.url()).await;
    let players = live.players(game_id.parse().unwrap()).await.unwrap();
    let id_of: HashMap<String, String> = players
        .iter()
        .map(|(id, p)| (p.nickname.clone(), id.clone()))
        .collect();
    let mut expected_scores: HashMap<String, u64> = HashMap::new();
    let mut acked = 0;
    for q in 0..2u32 {
        let stored: HashMap<String, cahoot_game::AcceptedAnswer> = live
            .answers(game_id.parse().unwrap(), q)
            .await
            .unwrap()
            .into_iter()
            .collect();
        assert_eq!(stored.len(), PLAYERS, "question {q}: one answer per player");
        for (name, bot) in names.iter().zip(&bots) {
            let (answer_id, value) = bot.borrow().acks.get(&q).cloned().expect("acknowledged");
            let a = &stored[&id_of[name]];
            assert_eq!(
                (&a.answer_id, &a.value),
                (&answer_id, &value),
                "{name} q{q}"
            );
            acked += 1;
        }
    }
    // Reference scores: recompute every answer's points (time discount + streak) from the stored facts.
    for name in &names {
        let mut streak = cahoot_game::Streak::default();
        let mut total = 0u64;
        for q in 0..2u32 {
            let a = live
                .answers(game_id.parse().unwrap(), q)
                .await
                .unwrap()
                .into_iter()
                .find(|(p, _)| *p == id_of[name])
                .unwrap()
                .1;
            let base = cahoot_game::answer_points(a.correct, a.elapsed_ms, 120_000, 1000);
            let (next, bonus) = streak.after_answer(q, q.checked_sub(1), a.correct);
            streak = next;
            let points = if a.correct { base + bonus } else { 0 };
            assert_eq!(points, a.points, "{name} q{q} points");
            total += u64::from(points);
        }
        expected_scores.insert(name.clone(), total);
    }
    let standings = podium.standings.expect("podium standings");
    assert_eq!(standings.len(), PLAYERS);
    for row in &standings {
        assert_eq!(
            row.score, expected_scores[&row.nickname],
            "{}",
            row.nickname
        );
    }

    // Stored once in PostgreSQL, with the same scores.
    let stored = stored_game(&api, &game_id, WAIT).await;
    for p in stored["players"].as_array().unwrap() {
        assert_eq!(
            p["score"].as_u64().unwrap(),
            expected_scores[p["nickname"].as_str().unwrap()]
        );
    }
    let list: Value = api.get("/api/games").await.json().await.unwrap();
    assert_eq!(
        list.as_array().unwrap().len(),
        1,
        "the game is stored exactly once"
    );

    let mut reconnects: Vec<Duration> = bots
        .iter()
        .flat_map(|b| b.borrow().reconnects.clone())
        .collect();
    reconnects.extend(host.reconnects.iter().copied());
    println!(
        "failover: {acked} acknowledged answers all present once; {} reconnects, p50 {:?}, p99 {:?}",
        reconnects.len(),
        percentile(reconnects.clone(), 0.5),
        percentile(reconnects, 0.99)
    );
}

/// A game of `players` quick bots (all answer at once) in the lobby, host connected.
struct Game {
    api: Api,
    game_id: String,
    bots: Vec<watch::Receiver<BotStatus>>,
    host: Host,
}

async fn small_game(cluster: &Cluster, players: usize) -> Game {
    let api = Api::register(&cluster.url(), "teacher").await;
    let quiz_id = api.create_quiz(&quiz()).await.id;
    let game = api.start_game(quiz_id).await;
    let game_id = game.game_id.clone();
    let mut bots = Vec::new();
    for i in 0..players {
        let name = format!("b{i:02}");
        let token = api.join(&game.pin, &name).await.player_token;
        let strategy: Strategy = Arc::new(move |q, _: &[String]| {
            Some((AnswerValue::Choice(((i as u32) + q) % 4), Duration::ZERO))
        });
        bots.push(PlayerBot::spawn(&cluster.ws_url(), &token, &name, strategy).0);
    }
    all(&mut bots, "lobby", |s| {
        s.connected && s.phase == Some(PhaseName::Lobby)
    })
    .await;
    let mut host = Host::connected(cluster, &api.token, &game_id).await;
    host.wait_state("full lobby", |s| s.player_count == players as u64)
        .await;
    Game {
        api,
        game_id,
        bots,
        host,
    }
}

async fn start_cluster() -> Cluster {
    tokio::task::spawn_blocking(|| Cluster::start(ClusterOptions::for_tests()))
        .await
        .unwrap()
        .expect("start the local cluster")
}

async fn stored_game(api: &Api, game_id: &str, within: Duration) -> Value {
    let deadline = Instant::now() + within;
    loop {
        let res = api.stored_game(game_id).await;
        if res.status() == 200 {
            return res.json().await.unwrap();
        }
        assert!(Instant::now() < deadline, "results never stored");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draining_instance_hands_its_clients_over_without_errors() {
    let mut cluster = start_cluster().await;
    let mut g = small_game(&cluster, 10).await;
    g.host
        .advance(
            ClientMessage::Start,
            "question 0",
            phase(PhaseName::Question, Some(0)),
        )
        .await;
    all(&mut g.bots, "answer 0", |s| s.acks.contains_key(&0)).await;
    let victim = instance_index(&cluster, &g.host.instance);
    let pid = cluster.instances[victim].pid().map(|p| p.to_string());
    let exited =
        tokio::task::block_in_place(|| cluster.terminate_instance(victim, Duration::from_secs(15)));
    assert!(exited, "the instance did not exit within its grace period");
    all(&mut g.bots, "moved to the other instance", |s| {
        s.connected && s.instance.is_some() && s.instance != pid
    })
    .await;
    g.host
        .advance(
            ClientMessage::Next,
            "leaderboard",
            phase(PhaseName::Leaderboard, None),
        )
        .await;
    g.host
        .advance(ClientMessage::End, "podium", phase(PhaseName::Podium, None))
        .await;
    all(&mut g.bots, "podium", |s| s.finished).await;
    for (i, b) in g.bots.iter().enumerate() {
        assert!(
            b.borrow().errors.is_empty(),
            "player {i} saw errors: {:?}",
            b.borrow().errors
        );
    }
    let stored = stored_game(&g.api, &g.game_id, WAIT).await;
    assert_eq!(stored["players"].as_array().unwrap().len(), 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_game_survives_a_valkey_restart() {
    let mut cluster = start_cluster().await;
    let mut g = small_game(&cluster, 10).await;
    g.host
        .advance(
            ClientMessage::Start,
            "question 0",
            phase(PhaseName::Question, Some(0)),
        )
        .await;
    all(&mut g.bots, "answer 0", |s| s.acks.contains_key(&0)).await;
    g.host
        .wait_state("reveal 0", phase(PhaseName::Reveal, Some(0)))
        .await;
    // A clean restart (SIGTERM flushes the AOF): nothing acknowledged may be lost.
    tokio::task::block_in_place(|| cluster.redis.restart()).expect("restart redis");
    g.host
        .advance(
            ClientMessage::Next,
            "leaderboard",
            phase(PhaseName::Leaderboard, None),
        )
        .await;
    g.host
        .advance(
            ClientMessage::Next,
            "question 1",
            phase(PhaseName::Question, Some(1)),
        )
        .await;
    all(&mut g.bots, "answer 1", |s| s.acks.contains_key(&1)).await;
    g.host
        .wait_state("reveal 1", phase(PhaseName::Reveal, Some(1)))
        .await;
    g.host
        .advance(ClientMessage::End, "podium", phase(PhaseName::Podium, None))
        .await;
    all(&mut g.bots, "podium", |s| s.finished).await;
    let live = connect_valkey(&cluster.redis.url()).await;
    for q in 0..2 {
        assert_eq!(
            live.answers(g.game_id.parse().unwrap(), q)
                .await
                .unwrap()
                .len(),
            10,
            "answers to question {q}"
        );
    }
    let stored = stored_game(&g.api, &g.game_id, WAIT).await;
    assert_eq!(stored["players"].as_array().unwrap().len(), 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_postgresql_down_the_game_finishes_and_its_results_are_stored_once_it_is_back() {
    let mut cluster = start_cluster().await;
    let mut g = small_game(&cluster, 5).await;
    g.host
        .advance(
            ClientMessage::Start,
            "question 0",
            phase(PhaseName::Question, Some(0)),
        )
        .await;
    tokio::task::block_in_place(|| cluster.postgres.stop());
    // Logging in needs the database: a clear 503, not a hang or a 500.
    let res = g.api.login("teacher", cahoot_testkit::PASSWORD).await;
    assert_eq!(res.status(), 503);
    let body: Value = res.json().await.unwrap();
    assert!(
        body["code"].as_str().unwrap().contains("unavailable"),
        "{body}"
    );
    // The live game goes on.
    all(&mut g.bots, "answer 0", |s| s.acks.contains_key(&0)).await;
    g.host
        .wait_state("reveal 0", phase(PhaseName::Reveal, Some(0)))
        .await;
    g.host
        .advance(ClientMessage::End, "podium", phase(PhaseName::Podium, None))
        .await;
    all(&mut g.bots, "podium", |s| s.finished).await;
    tokio::task::block_in_place(|| cluster.postgres.run()).expect("start postgres again");
    let stored = stored_game(&g.api, &g.game_id, Duration::from_secs(60)).await;
    assert_eq!(stored["players"].as_array().unwrap().len(), 5);
    let list: Value = g.api.get("/api/games").await.json().await.unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1, "stored exactly once");
}

/// How player `i` answers question `q` of `every_kind_quiz` (right for some players, wrong or partly right
/// for others), given the options or items as the game shows them. The slide takes no answer.
fn every_kind_answer(i: usize, q: u32, shown: &[String]) -> Option<AnswerValue> {
    use AnswerValue::*;
    let n = i as u32;
    Some(match q {
        0 => Choice(n % 4),
        1 => Choice(n % 2),
        2 => Choices([vec![0, 2], vec![0], vec![1, 3]][i % 3].clone()),
        3 => Text(["Bern", " berne ", "Zürich"][i % 3].into()),
        4 => Number(1960.0 + f64::from(n % 15)),
        5 => {
            // The items are shuffled per game: find each one in its right place, reversed for odd players.
            let canonical = ["Atom", "Cell", "Mouse", "Elephant"];
            let mut order: Vec<u32> = canonical
                .iter()
                .filter_map(|c| shown.iter().position(|s| s == c).map(|p| p as u32))
                .collect();
            if i % 2 == 1 {
                order.reverse();
            }
            Order(order)
        }
        6 => Choice(n % 3),
        7 => Text(["fun", "hard", "fun"][i % 3].into()),
        _ => return None,
    })
}

/// A quiz with every kind of question: an instance is killed in the middle of each question that takes an
/// answer, alternately the host's and the other one. Every acknowledged answer is stored once with the
/// acknowledged value, and every score equals a reference recomputed with `cahoot-game`'s rules from the
/// stored answers (the Valkey script applies the streak on its own, so this checks the two agree).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quiz_of_every_kind_loses_no_answer_when_instances_die_mid_question() {
    const N: usize = 12;
    let mut cluster = start_cluster().await;
    let api = Api::register(&cluster.url(), "teacher").await;
    let mut quiz = serde_json::to_value(cahoot_game::every_kind_quiz()).unwrap();
    for q in quiz["questions"].as_array_mut().unwrap() {
        q["time_limit_secs"] = json!(120);
    }
    let quiz_id = api.create_quiz(&quiz).await.id;
    let game = api.start_game(quiz_id).await;
    let game_id = game.game_id.clone();
    let mut bots = Vec::new();
    let mut names = Vec::new();
    for i in 0..N {
        let name = format!("k{i:02}");
        let token = api.join(&game.pin, &name).await.player_token;
        let strategy: Strategy = Arc::new(move |q, shown: &[String]| {
            let delay = Duration::from_millis(if i % 2 == 0 { 0 } else { 1500 });
            every_kind_answer(i, q, shown).map(|a| (a, delay))
        });
        bots.push(PlayerBot::spawn(&cluster.ws_url(), &token, &name, strategy).0);
        names.push(name);
    }
    all(&mut bots, "lobby", |s| {
        s.connected && s.phase == Some(PhaseName::Lobby)
    })
    .await;
    let mut host = Host::connected(&cluster, &api.token, &game_id).await;
    host.wait_state("full lobby", |s| s.player_count == N as u64)
        .await;
    let kinds = cahoot_game::every_kind_quiz().questions.len() as u32;
    for q in 0..kinds {
        let (cmd, what) = if q == 0 {
            (ClientMessage::Start, "question opens")
        } else {
            (ClientMessage::Next, "next question opens")
        };
        host.advance(cmd, what, phase(PhaseName::Question, Some(q)))
            .await;
        if every_kind_answer(0, q, &[]).is_none() {
            // The slide: nobody answers, the host moves on.
            host.advance(
                ClientMessage::Skip {
                    question_index: Some(q),
                },
                "slide closed",
                phase(PhaseName::Reveal, Some(q)),
            )
            .await;
            break;
        }
        for bot in bots.iter_mut().step_by(2) {
            tokio::time::timeout(WAIT, bot.wait_for(|s| s.acks.contains_key(&q)))
                .await
                .expect("even players' answers acknowledged")
                .unwrap();
        }
        let on_host = instance_index(&cluster, &host.instance);
        let victim = if q % 2 == 0 { on_host } else { 1 - on_host };
        kill_and_recover(&mut cluster, victim, &mut host, &mut bots).await;
        all(&mut bots, "answer acknowledged", |s| {
            s.acks.contains_key(&q)
        })
        .await;
        host.wait_state("reveal", phase(PhaseName::Reveal, Some(q)))
            .await;
        host.advance(
            ClientMessage::Next,
            "leaderboard",
            phase(PhaseName::Leaderboard, None),
        )
        .await;
    }
    host.advance(ClientMessage::End, "podium", phase(PhaseName::Podium, None))
        .await;
    all(&mut bots, "podium", |s| s.finished).await;
    let podium = host.state.clone().unwrap();

    let live = connect_valkey(&cluster.redis.url()).await;
    let gid = game_id.parse().unwrap();
    // The quiz as this game plays it (puzzle items shuffled), from the store every instance reads.
    let played = live.meta(gid).await.unwrap().unwrap().quiz;
    let id_of: HashMap<String, String> = live
        .players(gid)
        .await
        .unwrap()
        .into_iter()
        .map(|(id, p)| (p.nickname, id))
        .collect();
    let mut streaks: HashMap<&str, cahoot_game::Streak> = HashMap::new();
    let mut expected: HashMap<&str, u64> = HashMap::new();
    for q in 0..kinds {
        let stored: HashMap<String, cahoot_game::AcceptedAnswer> =
            live.answers(gid, q).await.unwrap().into_iter().collect();
        let question = &played.questions[q as usize];
        let acked = bots
            .iter()
            .filter(|b| b.borrow().acks.contains_key(&q))
            .count();
        assert_eq!(
            stored.len(),
            acked,
            "q{q}: one stored answer per acknowledged one"
        );
        for (name, bot) in names.iter().zip(&bots) {
            let Some((answer_id, value)) = bot.borrow().acks.get(&q).cloned() else {
                continue;
            };
            let a = &stored[&id_of[name]];
            assert_eq!(
                (&a.answer_id, &a.value),
                (&answer_id, &value),
                "{name} q{q}"
            );
            let (value, correct, fraction) = cahoot_game::grade(question, a.value.clone()).unwrap();
            let judged = question.kind.is_judged();
            let full = cahoot_game::answer_points(
                judged && fraction > 0.0,
                a.elapsed_ms,
                question.time_limit_ms(),
                question.points.base_points(),
            );
            let streak = streaks.entry(name).or_default();
            let (reference, next) = cahoot_game::accept(
                &a.answer_id,
                cahoot_game::JudgedAnswer {
                    question: q,
                    value,
                    correct,
                    judged,
                    previous_judged: played.previous_judged(q),
                    elapsed_ms: a.elapsed_ms,
                    base_points: cahoot_game::scoring::scaled(full, fraction),
                    needs_extra_time: false,
                },
                *streak,
            );
            *streak = next;
            assert_eq!(a.points, reference.points, "{name} q{q} points");
            assert_eq!(a.correct, reference.correct, "{name} q{q} correct");
            *expected.entry(name).or_default() += u64::from(a.points);
        }
    }
    // Right, partly right and wrong answers all happened (the fixture exercises every rule).
    assert!(expected.values().any(|&p| p > 0));
    for row in podium.standings.expect("podium standings") {
        assert_eq!(
            row.score,
            expected[row.nickname.as_str()],
            "{}",
            row.nickname
        );
    }
    let stored = stored_game(&api, &game_id, WAIT).await;
    assert_eq!(
        stored["questions"].as_array().unwrap().len(),
        kinds as usize
    );
}
