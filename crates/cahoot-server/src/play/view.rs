//! Snapshots: what a client needs to draw the current screen, loaded once per event and rendered per role.

use crate::live::{GameMeta, LiveError, LiveStore};
use cahoot_game::model::{PlayerRecord, Standing};
use cahoot_game::quiz::TYPED_ANSWER_MAX;
use cahoot_game::{AcceptedAnswer, GameState, Phase, QuestionKind, QuestionTally};
use cahoot_protocol::{
    LastResult, MeView, PhaseName, PlayerSummary, QuestionView, RankRow, RevealView, ServerMessage,
    SliderRange, StateView,
};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, OnceLock};

/// Rows of the leaderboard screen.
const LEADERBOARD_ROWS: usize = 5;
/// Players get the top ten of the final standings plus their own row; the host gets everyone. Sending all
/// 10 000 rows to each of 10 000 phones would be 10⁸ rows for one screen.
const PLAYER_STANDINGS_ROWS: usize = 10;

/// Everything loaded from the live store for one version of a game.
pub struct Snapshot {
    pub seq: u64,
    pub meta: Arc<GameMeta>,
    pub state: GameState,
    pub players: Vec<(String, PlayerRecord)>,
    pub standings: Vec<Standing>,
    /// Player id → (index in `standings`, index in `players`): one lookup per rendered view instead of a
    /// scan of every player (10 000 sockets × 10 000 players per fan-out otherwise).
    rank_of: HashMap<String, (usize, usize)>,
    /// Answers to the current (or last shown) question, by player id.
    pub answers: HashMap<String, AcceptedAnswer>,
    /// Players the host granted extra time.
    pub extra_time: BTreeSet<String>,
    /// What every player's message has in common, serialised by the first socket that needs it.
    shared_json: OnceLock<SharedPlayerJson>,
}

/// The player-independent part of every player's `state` message, serialised once per snapshot: with
/// 10 000 sockets each one only appends its own `me` (and, on the podium, its own row). Serialising the
/// whole view per socket made the fan-out cost 10 000 copies of the question, the leaderboard and the
/// 50 podium rows.
struct SharedPlayerJson {
    /// `{"type":"state",…}` without its closing brace. `me` and `standings` are not in it (both are
    /// skipped when absent), so appending them yields a valid message.
    open: String,
    /// The top podium rows as comma-separated JSON objects (no brackets); empty outside the podium.
    top_rows: String,
}

impl Snapshot {
    pub async fn load(
        live: &dyn LiveStore,
        meta: Arc<GameMeta>,
    ) -> Result<Option<Snapshot>, LiveError> {
        let id = meta.id;
        let seq = live.current_seq(id).await?;
        let Some(state) = live.state(id).await? else {
            return Ok(None);
        };
        let players = live.players(id).await?;
        let answers = match state.phase.question_index() {
            Some(q) => live.answers(id, q).await?.into_iter().collect(),
            None => HashMap::new(),
        };
        let extra_time = live.extra_time(id).await?;
        Ok(Some(
            Self::from_parts(seq, meta, state, players, answers).with_extra_time(extra_time),
        ))
    }

    pub fn from_parts(
        seq: u64,
        meta: Arc<GameMeta>,
        state: GameState,
        players: Vec<(String, PlayerRecord)>,
        answers: HashMap<String, AcceptedAnswer>,
    ) -> Snapshot {
        let standings = cahoot_game::model::standings(
            players
                .iter()
                .map(|(id, p)| (id.as_str(), p.nickname.as_str(), p.score)),
        );
        let record_of: HashMap<&str, usize> = players
            .iter()
            .enumerate()
            .map(|(i, (id, _))| (id.as_str(), i))
            .collect();
        let rank_of = standings
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                Some((
                    s.player_id.clone(),
                    (i, *record_of.get(s.player_id.as_str())?),
                ))
            })
            .collect();
        Snapshot {
            seq,
            meta,
            state,
            players,
            standings,
            rank_of,
            answers,
            extra_time: BTreeSet::new(),
            shared_json: OnceLock::new(),
        }
    }

    pub fn with_extra_time(mut self, extra_time: BTreeSet<String>) -> Snapshot {
        self.extra_time = extra_time;
        self
    }

    /// The same game data in a new state: answers carry over while the question stays the same, and a
    /// question that has just opened has none yet.
    pub fn advanced(&self, seq: u64, state: GameState) -> Snapshot {
        let answers = if state.phase.question_index() == self.state.phase.question_index() {
            self.answers.clone()
        } else {
            HashMap::new()
        };
        Snapshot::from_parts(seq, self.meta.clone(), state, self.players.clone(), answers)
            .with_extra_time(self.extra_time.clone())
    }

    /// The view every client shares. `for_host`: the projector always gets the images; players' phones
    /// only when the quiz shows questions on devices.
    fn base(&self, now_ms: u64, for_host: bool) -> StateView {
        let show_images = for_host || self.meta.quiz.show_on_devices;
        let question = match self.state.phase {
            Phase::Question(i) | Phase::Reveal(i) => {
                self.meta
                    .quiz
                    .questions
                    .get(i as usize)
                    .map(|q| QuestionView {
                        index: i,
                        kind: q.kind,
                        text: q.text.clone(),
                        // A type answer's `answers` are its accepted answers: never shown before the reveal.
                        answers: if q.kind.has_options() || q.kind == QuestionKind::Puzzle {
                            q.answers.clone()
                        } else {
                            Vec::new()
                        },
                        image: q.image.clone().filter(|_| show_images),
                        answer_images: (show_images && q.answer_images.iter().any(Option::is_some))
                            .then(|| q.answer_images.clone()),
                        slider: q.slider.as_ref().map(SliderRange::from),
                        max_chars: q.kind.takes_text().then_some(TYPED_ANSWER_MAX as u32),
                        time_limit_secs: q.time_limit_secs,
                        points: q.points,
                        remaining_ms: if matches!(self.state.phase, Phase::Question(_)) {
                            self.state
                                .deadline_ms
                                .saturating_sub(now_ms.max(self.state.opened_at_ms))
                        } else {
                            0
                        },
                        opens_in_ms: if matches!(self.state.phase, Phase::Question(_)) {
                            self.state.opened_at_ms.saturating_sub(now_ms)
                        } else {
                            0
                        },
                        extra_ms: if matches!(self.state.phase, Phase::Question(_)) {
                            self.state
                                .extra_deadline_ms
                                .saturating_sub(self.state.deadline_ms)
                        } else {
                            0
                        },
                        answered: self.answers.len() as u64,
                    })
            }
            _ => None,
        };
        let reveal = match self.state.phase {
            Phase::Reveal(i) => self
                .meta
                .quiz
                .questions
                .get(i as usize)
                .map(|q| RevealView {
                    index: i,
                    correct: match q.kind {
                        QuestionKind::MultipleChoice | QuestionKind::TrueFalse => {
                            vec![q.correct as u32]
                        }
                        QuestionKind::MultiSelect | QuestionKind::Puzzle => {
                            q.correct_answers.clone()
                        }
                        _ => Vec::new(),
                    },
                    slider: q.slider,
                    tally: QuestionTally::of(q, self.answers.values()),
                }),
            _ => None,
        };
        let leaderboard = matches!(self.state.phase, Phase::Leaderboard(_) | Phase::Podium)
            .then(|| self.rows(LEADERBOARD_ROWS));
        StateView {
            seq: self.seq,
            game_id: self.meta.id.to_string(),
            pin: self.meta.pin.to_string(),
            quiz_title: self.meta.quiz.title.clone(),
            phase: phase_name(self.state.phase),
            locked: self.state.locked,
            question_count: self.state.question_count,
            player_count: self.players.len() as u64,
            players: None,
            question,
            reveal,
            me: None,
            leaderboard,
            standings: None,
        }
    }

    fn rows(&self, n: usize) -> Vec<RankRow> {
        self.standings.iter().take(n).map(row).collect()
    }

    pub fn host_view(&self, now_ms: u64) -> StateView {
        let mut view = self.base(now_ms, true);
        view.players = Some(
            self.players
                .iter()
                .map(|(id, p)| PlayerSummary {
                    id: id.clone(),
                    nickname: p.nickname.clone(),
                    connected: p.connected,
                    extra_time: self.extra_time.contains(id),
                })
                .collect(),
        );
        if self.state.phase == Phase::Podium {
            view.standings = Some(self.rows(usize::MAX));
        }
        view
    }

    /// Whether the player was in the game when this snapshot was loaded.
    pub fn has_player(&self, player_id: &str) -> bool {
        self.rank_of.contains_key(player_id)
    }

    /// A player's own part of the view with their answer to the snapshot's question (which may be newer
    /// than the snapshot), and their index in the standings.
    fn me_with(
        &self,
        player_id: &str,
        answer: Option<&AcceptedAnswer>,
    ) -> (Option<MeView>, Option<usize>) {
        let Some((i, r)) = self.rank_of.get(player_id).copied() else {
            return (None, None);
        };
        let standing = &self.standings[i];
        let record = self.players.get(r).map(|(_, p)| p);
        let shows_result = matches!(self.state.phase, Phase::Reveal(_) | Phase::Leaderboard(_));
        let me = MeView {
            player_id: player_id.to_owned(),
            nickname: standing.nickname.clone(),
            score: standing.score,
            rank: standing.rank,
            streak: record.map_or(0, |p| {
                let current = self.state.phase.question_index().unwrap_or(0);
                p.streak
                    .current(current, self.meta.quiz.previous_judged(current))
            }),
            answer: answer.map(|a| a.value.clone()),
            last_result: shows_result.then(|| LastResult {
                correct: answer.is_some_and(|a| a.correct),
                points: answer.map_or(0, |a| a.points),
            }),
            extra_time: self.extra_time.contains(player_id),
        };
        (Some(me), Some(i))
    }

    /// The view `player_message` serialises, built the slow way (one whole view per player): the
    /// reference the fast path is tested against.
    #[cfg(test)]
    pub fn player_view(&self, player_id: &str, now_ms: u64) -> StateView {
        let mut view = self.base(now_ms, false);
        let (me, me_at) = self.me_with(player_id, self.answers.get(player_id));
        view.me = me;
        if self.state.phase == Phase::Podium {
            let mut rows = self.rows(PLAYER_STANDINGS_ROWS);
            if let Some(i) = me_at.filter(|&i| i >= PLAYER_STANDINGS_ROWS) {
                rows.push(row(&self.standings[i]));
            }
            view.standings = Some(rows);
        }
        view
    }

    /// A player's `state` message as JSON. The shared part is serialised once per snapshot (its
    /// `remaining_ms` is as of that moment, the start of the fan-out).
    pub fn player_message(&self, player_id: &str, now_ms: u64) -> String {
        self.player_message_with_answer(player_id, self.answers.get(player_id), now_ms)
    }

    /// A player's `state` message with their own answer read after the snapshot was loaded: a
    /// reconnecting player starts from a shared snapshot, and scores, ranks and streaks change only with
    /// the state, but their own answer to the open question may have been recorded since.
    pub fn player_message_with_answer(
        &self,
        player_id: &str,
        answer: Option<&AcceptedAnswer>,
        now_ms: u64,
    ) -> String {
        let (me, me_at) = self.me_with(player_id, answer);
        self.personalised(me.as_ref(), me_at, now_ms)
    }

    fn personalised(&self, me: Option<&MeView>, me_at: Option<usize>, now_ms: u64) -> String {
        let shared = self
            .shared_json
            .get_or_init(|| self.shared_player_json(now_ms));
        let mut out = String::with_capacity(shared.open.len() + shared.top_rows.len() + 256);
        out.push_str(&shared.open);
        if let Some(me) = me {
            out.push_str(",\"me\":");
            out.push_str(&to_json(me));
        }
        if self.state.phase == Phase::Podium {
            out.push_str(",\"standings\":[");
            out.push_str(&shared.top_rows);
            if let Some(i) = me_at.filter(|&i| i >= PLAYER_STANDINGS_ROWS) {
                if !shared.top_rows.is_empty() {
                    out.push(',');
                }
                out.push_str(&to_json(&row(&self.standings[i])));
            }
            out.push(']');
        }
        out.push('}');
        out
    }

    fn shared_player_json(&self, now_ms: u64) -> SharedPlayerJson {
        let mut open = ServerMessage::State(Box::new(self.base(now_ms, false))).to_json();
        // A struct always serialises to an object: drop its closing brace to append the player's fields.
        if open.ends_with('}') {
            open.pop();
        }
        let top_rows = if self.state.phase == Phase::Podium {
            self.standings
                .iter()
                .take(PLAYER_STANDINGS_ROWS)
                .map(|s| to_json(&row(s)))
                .collect::<Vec<_>>()
                .join(",")
        } else {
            String::new()
        };
        SharedPlayerJson { open, top_rows }
    }
}

/// Plain protocol structs always serialise (no maps with non-string keys, no custom impls).
fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

impl Snapshot {
    pub fn is_lobby(&self) -> bool {
        self.state.phase == Phase::Lobby
    }

    /// A player's lobby message from a shared lobby snapshot that may predate their join: in the lobby
    /// every score is 0, so a player missing from the snapshot is shown with score 0 and rank 1, exactly
    /// what a fresh snapshot would say (only `player_count` may lag by the joins of the last second).
    pub fn lobby_player_message(&self, player_id: &str, nickname: &str, now_ms: u64) -> String {
        if self.rank_of.contains_key(player_id) || !self.is_lobby() {
            return self.player_message(player_id, now_ms);
        }
        let me = MeView {
            player_id: player_id.to_owned(),
            nickname: nickname.to_owned(),
            score: 0,
            rank: 1,
            streak: 0,
            answer: None,
            last_result: None,
            extra_time: false,
        };
        self.personalised(Some(&me), None, now_ms)
    }
}

fn row(s: &Standing) -> RankRow {
    RankRow {
        rank: s.rank,
        nickname: s.nickname.clone(),
        score: s.score,
    }
}

pub fn phase_name(phase: Phase) -> PhaseName {
    match phase {
        Phase::Lobby => PhaseName::Lobby,
        Phase::Question(_) => PhaseName::Question,
        Phase::Reveal(_) => PhaseName::Reveal,
        Phase::Leaderboard(_) => PhaseName::Leaderboard,
        Phase::Podium => PhaseName::Podium,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cahoot_game::{GamePin, Streak, sample_quiz};

    /// 60 players (so most are below the podium rows players get), ties included, half of them answered.
    fn snapshot(phase: Phase) -> Snapshot {
        let meta = Arc::new(GameMeta {
            id: cahoot_protocol::GameId::from_uuid(uuid::Uuid::from_u128(1)),
            pin: GamePin::from_random(123_456),
            owner_id: uuid::Uuid::from_u128(2),
            quiz_id: uuid::Uuid::from_u128(3),
            quiz: sample_quiz(),
            created_at_ms: 1,
            lead_in_ms: 0,
            require_pupil_id: false,
        });
        let mut state = GameState::new(meta.quiz.questions.len() as u32);
        state.phase = phase;
        state.deadline_ms = 50_000;
        state.version = 7;
        let players = (0..60u64)
            .map(|i| {
                let record = PlayerRecord {
                    nickname: format!("p\"{i}</script>"),
                    score: (i / 3) * 100,
                    streak: Streak {
                        count: (i % 4) as u32,
                        last_question: Some(0),
                    },
                    connected: i % 5 != 0,
                };
                (format!("id{i}"), record)
            })
            .collect();
        let answers = (0..60u32)
            .step_by(2)
            .map(|i| {
                let answer = AcceptedAnswer {
                    answer_id: format!("a{i}"),
                    question: 0,
                    value: cahoot_game::AnswerValue::Choice(i % 4),
                    correct: i % 4 == 1,
                    elapsed_ms: u64::from(i) * 10,
                    points: if i % 4 == 1 { 900 } else { 0 },
                };
                (format!("id{i}"), answer)
            })
            .collect();
        Snapshot::from_parts(42, meta, state, players, answers)
    }

    #[test]
    fn every_players_message_equals_their_full_view_in_every_phase() {
        let phases = [
            Phase::Lobby,
            Phase::Question(0),
            Phase::Reveal(0),
            Phase::Leaderboard(0),
            Phase::Podium,
        ];
        for phase in phases {
            let snap = snapshot(phase);
            for i in 0..60 {
                let id = format!("id{i}");
                let fast: ServerMessage =
                    serde_json::from_str(&snap.player_message(&id, 1_000)).unwrap();
                let slow = ServerMessage::State(Box::new(snap.player_view(&id, 1_000)));
                assert_eq!(fast, slow, "{phase:?}, player {i}");
            }
            let stranger: ServerMessage =
                serde_json::from_str(&snap.player_message("nobody", 1_000)).unwrap();
            let expected = ServerMessage::State(Box::new(snap.player_view("nobody", 1_000)));
            assert_eq!(stranger, expected, "{phase:?}, unknown player");
        }
    }

    #[test]
    fn an_advanced_snapshot_keeps_answers_for_the_same_question_only() {
        let reveal = snapshot(Phase::Reveal(0));
        let mut state = reveal.state.clone();
        state.phase = Phase::Leaderboard(0);
        let board = reveal.advanced(43, state.clone());
        assert_eq!((board.seq, board.answers.len()), (43, 30));
        assert_eq!(board.player_message("id1", 1), {
            let full = snapshot(Phase::Leaderboard(0));
            full.player_message("id1", 1)
                .replace("\"seq\":42", "\"seq\":43")
        });
        state.phase = Phase::Question(1);
        let next = board.advanced(44, state);
        assert!(next.answers.is_empty());
        assert_eq!(next.standings, reveal.standings);
    }

    #[test]
    fn a_player_newer_than_the_lobby_snapshot_sees_themselves_at_zero() {
        let snap = snapshot(Phase::Lobby);
        let msg: ServerMessage =
            serde_json::from_str(&snap.lobby_player_message("late", "Latecomer", 1_000)).unwrap();
        let ServerMessage::State(view) = msg else {
            panic!("not a state message: {msg:?}");
        };
        let me = view.me.expect("own row");
        assert_eq!(
            (
                me.player_id.as_str(),
                me.nickname.as_str(),
                me.score,
                me.rank
            ),
            ("late", "Latecomer", 0, 1)
        );
        assert_eq!(view.player_count, 60);
    }

    #[test]
    fn podium_messages_carry_the_top_rows_and_only_their_own_row_below() {
        let snap = snapshot(Phase::Podium);
        let rows = |id: &str| -> Vec<RankRow> {
            let ServerMessage::State(view) =
                serde_json::from_str(&snap.player_message(id, 1)).unwrap()
            else {
                panic!("not a state message");
            };
            view.standings.expect("podium standings")
        };
        // Scores fall with the id: id59 leads, id0..id2 (score 0) are last.
        assert_eq!(rows("id59").len(), PLAYER_STANDINGS_ROWS);
        let last = rows("id0");
        assert_eq!(last.len(), PLAYER_STANDINGS_ROWS + 1);
        assert_eq!(last.last().map(|r| r.score), Some(0));
    }
}
