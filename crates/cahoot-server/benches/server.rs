//! Microbenchmarks of the server's hot paths: JWT signing and verification (HS256, `auth::Keys`) and
//! recording an answer in each live store (in-process, and Valkey when `redis-server` is installed: the
//! bench starts a private one). `cargo bench -p cahoot-server`.

use cahoot_game::{Command, Context, GamePin, Nickname, QuizInput, apply, sample_quiz};
use cahoot_protocol::{GameId, PlayerId};
use cahoot_server::auth::Keys;
use cahoot_server::clock::now_ms;
use cahoot_server::live::memory::MemoryLiveStore;
use cahoot_server::live::valkey::ValkeyLiveStore;
use cahoot_server::live::{GameMeta, LiveStore};
use divan::{Bencher, black_box};
use std::process::{Child, Command as Process, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Answers recorded per sample: one question of a game of this many players.
const ANSWERS: usize = 2_000;

static REDIS_URL: OnceLock<Option<String>> = OnceLock::new();

fn main() {
    let redis = start_redis();
    let _ = REDIS_URL.set(redis.as_ref().map(|(_, url)| url.clone()));
    if redis.is_none() {
        eprintln!("redis-server not found: skipping the Valkey live store benchmark");
    }
    divan::main();
    if let Some((mut child, _)) = redis {
        let _ = child.kill();
        let _ = child.wait();
    }
}

fn start_redis() -> Option<(Child, String)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let child = Process::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some((child, format!("redis://127.0.0.1:{port}")));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

fn keys() -> Keys {
    Keys::from_secrets(&[("bench-key".to_owned(), vec![7u8; 32])]).expect("keys")
}

#[divan::bench]
fn jwt_sign_access(bencher: Bencher) {
    let k = keys();
    let user = uuid::Uuid::new_v4();
    bencher.bench(|| {
        k.issue_access_token(black_box(user), Duration::from_secs(900))
            .expect("signed")
    });
}

#[divan::bench]
fn jwt_verify_access(bencher: Bencher) {
    let k = keys();
    let token = k
        .issue_access_token(uuid::Uuid::new_v4(), Duration::from_secs(900))
        .expect("signed")
        .token;
    bencher.bench(|| k.verify_access_token(black_box(&token)).expect("valid"));
}

#[divan::bench]
fn jwt_sign_player(bencher: Bencher) {
    let k = keys();
    bencher.bench(|| {
        k.issue_player_token(black_box("game-id"), "player-id", Duration::from_secs(3600))
            .expect("signed")
    });
}

#[divan::bench]
fn jwt_verify_player(bencher: Bencher) {
    let k = keys();
    let token = k
        .issue_player_token("game-id", "player-id", Duration::from_secs(3600))
        .expect("signed");
    bencher.bench(|| k.verify_player_token(black_box(&token)).expect("valid"));
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// A game in question 0 with `players` players; returns the game id.
async fn open_game(store: &dyn LiveStore, players: usize) -> GameId {
    let id = GameId::random();
    let mut quiz: QuizInput = sample_quiz();
    for q in &mut quiz.questions {
        q.time_limit_secs = 240;
    }
    let meta = GameMeta {
        id,
        pin: GamePin::from_random(rand::random()),
        owner_id: uuid::Uuid::new_v4(),
        quiz_id: uuid::Uuid::new_v4(),
        quiz: quiz.clone(),
        created_at_ms: now_ms(),
        lead_in_ms: 0,
        require_pupil_id: false,
    };
    store.create_game(meta).await.expect("game");
    for i in 0..players {
        let nick = Nickname::parse(&format!("p{i:05}")).expect("nickname");
        store.join(id, player_id(i), &nick).await.expect("player");
    }
    let state = store.state(id).await.expect("state").expect("exists");
    let ctx = Context {
        now_ms: now_ms(),
        player_count: players,
        quiz: &quiz,
        lead_in_ms: 0,
        extra_time: false,
    };
    let (next, _) = apply(&state, Command::Start, &ctx).expect("start");
    assert!(
        store
            .cas_state(id, state.version, &next)
            .await
            .expect("cas")
            .is_some()
    );
    id
}

/// Player `i` of a benchmark game (the same ids in every game, so answers can be recorded by index).
fn player_id(i: usize) -> PlayerId {
    PlayerId::from_uuid(uuid::Uuid::from_u128(i as u128 + 1))
}

async fn record_all(store: &dyn LiveStore, game: GameId) {
    for i in 0..ANSWERS {
        let answer_id = format!("answer-{i:05}");
        let out = store
            .record_answer(
                game,
                player_id(i),
                &answer_id,
                0,
                cahoot_game::AnswerValue::Choice((i % 4) as u32),
                now_ms(),
            )
            .await
            .expect("recorded");
        black_box(out);
    }
}

/// In-process store: 2 000 answers to one question (divide by 2 000 for one answer).
#[divan::bench(sample_count = 20)]
fn memory_record_2000_answers(bencher: Bencher) {
    let rt = runtime();
    bencher
        .with_inputs(|| {
            let store = MemoryLiveStore::new();
            let game = rt.block_on(open_game(&store, ANSWERS));
            (store, game)
        })
        .bench_local_values(|(store, game)| {
            rt.block_on(record_all(&store, game));
            store
        });
}

/// Valkey store (redis-server 7 on loopback, one connection): 2 000 answers, sequential round trips.
#[divan::bench(sample_count = 10)]
fn valkey_record_2000_answers(bencher: Bencher) {
    let Some(Some(url)) = REDIS_URL.get() else {
        return;
    };
    let rt = runtime();
    let prefix = format!("bench{}", rand::random::<u32>());
    let store = rt
        .block_on(ValkeyLiveStore::connect_with_prefix(url, &prefix))
        .expect("connect");
    bencher
        .with_inputs(|| rt.block_on(open_game(&store, ANSWERS)))
        .bench_local_values(|game| rt.block_on(record_all(&store, game)));
}

/// One question's fan-out to 10 000 players as the server does it: the view shared by every player is
/// serialised once per snapshot, each player's message appends only their own part. Compare with
/// `cahoot-protocol`'s `player_states_10k` (a whole view serialised per player).
#[divan::bench(sample_count = 20)]
fn player_messages_10k(bencher: Bencher) {
    use cahoot_game::model::PlayerRecord;
    use cahoot_server::play::view::Snapshot;
    use std::collections::HashMap;
    use std::sync::Arc;
    let meta = Arc::new(GameMeta {
        id: GameId::random(),
        pin: GamePin::from_random(424_242),
        owner_id: uuid::Uuid::new_v4(),
        quiz_id: uuid::Uuid::new_v4(),
        quiz: sample_quiz(),
        created_at_ms: 0,
        lead_in_ms: 0,
        require_pupil_id: false,
    });
    let mut state = cahoot_game::GameState::new(meta.quiz.questions.len() as u32);
    state.phase = cahoot_game::Phase::Question(0);
    state.deadline_ms = 30_000;
    let players: Vec<(String, PlayerRecord)> = (0..10_000)
        .map(|i| {
            let record = PlayerRecord {
                nickname: format!("player{i:05}"),
                score: (i as u64 % 97) * 10,
                streak: Default::default(),
                connected: true,
            };
            (format!("{i:08}-0000-4000-8000-000000000000"), record)
        })
        .collect();
    let ids: Vec<String> = players.iter().map(|(id, _)| id.clone()).collect();
    bencher
        .with_inputs(|| {
            Snapshot::from_parts(
                1,
                meta.clone(),
                state.clone(),
                players.clone(),
                HashMap::new(),
            )
        })
        .bench_local_values(|snap| {
            for id in &ids {
                black_box(snap.player_message(id, 1_000));
            }
        });
}
