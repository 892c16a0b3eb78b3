//! Serialisation cost of a 10 000-player fan-out: every player gets its own `state` (its `me` differs), the
//! host gets one with all 10 000 players. `cargo bench -p cahoot-protocol`.

use cahoot_game::{PointsMode, QuestionKind};
use cahoot_protocol::{
    MeView, PhaseName, PlayerSummary, QuestionView, RankRow, ServerMessage, StateView,
};
use divan::{Bencher, black_box};

fn main() {
    divan::main();
}

const PLAYERS: usize = 10_000;

fn base(phase: PhaseName) -> StateView {
    StateView {
        seq: 12_345,
        game_id: "5b1f8a56-0d3c-4b0e-9a51-0f4f1b8f6a10".into(),
        pin: "919229".into(),
        quiz_title: "Sample quiz: world trivia".into(),
        phase,
        locked: false,
        question_count: 10,
        player_count: PLAYERS as u64,
        players: None,
        question: Some(QuestionView {
            index: 3,
            kind: QuestionKind::MultipleChoice,
            text: "What is the capital of Australia?".into(),
            answers: vec![
                "Sydney".into(),
                "Canberra".into(),
                "Melbourne".into(),
                "Perth".into(),
            ],
            image: None,
            answer_images: None,
            slider: None,
            max_chars: None,
            time_limit_secs: 20,
            points: PointsMode::Standard,
            remaining_ms: 19_996,
            opens_in_ms: 0,
            extra_ms: 0,
            answered: 0,
        }),
        reveal: None,
        me: None,
        leaderboard: None,
        standings: None,
    }
}

fn me(i: usize) -> MeView {
    MeView {
        player_id: format!("0e9f5c2a-8d7b-4c1e-9f3a-{i:012}"),
        nickname: format!("player{i}"),
        score: (i as u64 * 7919) % 5000,
        rank: (i + 1) as u32,
        streak: 2,
        answer: None,
        last_result: None,
        extra_time: false,
    }
}

/// One player's `state` (the unit of work of a fan-out).
#[divan::bench]
fn player_state_one() -> String {
    let mut v = base(PhaseName::Question);
    v.me = Some(me(black_box(42)));
    ServerMessage::State(Box::new(v)).to_json()
}

/// The whole fan-out: 10 000 per-player views built and serialised.
#[divan::bench(sample_count = 20)]
fn player_states_10k() -> usize {
    let template = base(PhaseName::Question);
    let mut bytes = 0;
    for i in 0..PLAYERS {
        let mut v = template.clone();
        v.me = Some(me(i));
        bytes += ServerMessage::State(Box::new(v)).to_json().len();
    }
    bytes
}

/// The host's `state` with all 10 000 players listed.
#[divan::bench(sample_count = 20)]
fn host_state_10k_players(bencher: Bencher) {
    let mut v = base(PhaseName::Question);
    v.players = Some(
        (0..PLAYERS)
            .map(|i| PlayerSummary {
                id: format!("0e9f5c2a-8d7b-4c1e-9f3a-{i:012}"),
                nickname: format!("player{i}"),
                connected: true,
                extra_time: false,
            })
            .collect(),
    );
    let msg = ServerMessage::State(Box::new(v));
    bencher.bench(|| msg.to_json().len());
}

/// The host's podium with 10 000 standings rows.
#[divan::bench(sample_count = 20)]
fn host_podium_10k_rows(bencher: Bencher) {
    let mut v = base(PhaseName::Podium);
    v.question = None;
    v.standings = Some(
        (0..PLAYERS)
            .map(|i| RankRow {
                rank: (i + 1) as u32,
                nickname: format!("player{i}"),
                score: 10_000 - i as u64,
            })
            .collect(),
    );
    let msg = ServerMessage::State(Box::new(v));
    bencher.bench(|| msg.to_json().len());
}
