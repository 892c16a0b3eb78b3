//! Snapshots: what a client needs to draw the current screen, loaded once per event and rendered per role.

use crate::live::{GameMeta, LiveError, LiveStore};
use cahoot_game::model::{PlayerRecord, Standing};
use cahoot_game::{AcceptedAnswer, GameState, Phase};
use cahoot_protocol::{
    LastResult, MeView, PhaseName, PlayerSummary, QuestionView, RankRow, RevealView, StateView,
};
use std::collections::HashMap;
use std::sync::Arc;

/// Rows of the leaderboard screen.
const LEADERBOARD_ROWS: usize = 5;
/// Players get the top of the final standings plus their own row; the host gets everyone. Sending all
/// 10 000 rows to each of 10 000 phones would be 10⁸ rows for one screen.
const PLAYER_STANDINGS_ROWS: usize = 50;

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
}

impl Snapshot {
    pub async fn load(
        live: &dyn LiveStore,
        meta: Arc<GameMeta>,
    ) -> Result<Option<Snapshot>, LiveError> {
        let id = meta.id.as_str();
        let seq = live.current_seq(id).await?;
        let Some(state) = live.state(id).await? else {
            return Ok(None);
        };
        let players = live.players(id).await?;
        let answers = match state.phase.question_index() {
            Some(q) => live.answers(id, q).await?.into_iter().collect(),
            None => HashMap::new(),
        };
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
        Ok(Some(Snapshot {
            seq,
            meta,
            state,
            players,
            standings,
            rank_of,
            answers,
        }))
    }

    fn base(&self, now_ms: u64) -> StateView {
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
                        answers: q.answers.clone(),
                        time_limit_secs: q.time_limit_secs,
                        points: q.points,
                        remaining_ms: if matches!(self.state.phase, Phase::Question(_)) {
                            self.state.deadline_ms.saturating_sub(now_ms)
                        } else {
                            0
                        },
                        answered: self.answers.len() as u64,
                    })
            }
            _ => None,
        };
        let reveal = match self.state.phase {
            Phase::Reveal(i) => self.meta.quiz.questions.get(i as usize).map(|q| {
                let mut counts = vec![0u32; q.answers.len()];
                for a in self.answers.values() {
                    if let Some(c) = counts.get_mut(a.choice as usize) {
                        *c += 1;
                    }
                }
                RevealView {
                    index: i,
                    correct: q.correct as u32,
                    counts,
                }
            }),
            _ => None,
        };
        let leaderboard = matches!(self.state.phase, Phase::Leaderboard(_) | Phase::Podium)
            .then(|| self.rows(LEADERBOARD_ROWS));
        StateView {
            seq: self.seq,
            game_id: self.meta.id.clone(),
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
        let mut view = self.base(now_ms);
        view.players = Some(
            self.players
                .iter()
                .map(|(id, p)| PlayerSummary {
                    id: id.clone(),
                    nickname: p.nickname.clone(),
                    connected: p.connected,
                })
                .collect(),
        );
        if self.state.phase == Phase::Podium {
            view.standings = Some(self.rows(usize::MAX));
        }
        view
    }

    pub fn player_view(&self, player_id: &str, now_ms: u64) -> StateView {
        let mut view = self.base(now_ms);
        let found = self.rank_of.get(player_id).copied();
        let me_at = found.map(|(i, _)| i);
        if let Some((i, r)) = found {
            let standing = &self.standings[i];
            let record = self.players.get(r).map(|(_, p)| p);
            let answer = self.answers.get(player_id);
            let shows_result = matches!(self.state.phase, Phase::Reveal(_) | Phase::Leaderboard(_));
            view.me = Some(MeView {
                player_id: player_id.to_owned(),
                nickname: standing.nickname.clone(),
                score: standing.score,
                rank: standing.rank,
                streak: record.map_or(0, |p| {
                    p.streak
                        .current(self.state.phase.question_index().unwrap_or(0))
                }),
                answered_choice: answer.map(|a| a.choice),
                last_result: shows_result.then(|| LastResult {
                    correct: answer.is_some_and(|a| a.correct),
                    points: answer.map_or(0, |a| a.points),
                }),
            });
        }
        if self.state.phase == Phase::Podium {
            let mut rows = self.rows(PLAYER_STANDINGS_ROWS);
            if let Some(i) = me_at.filter(|&i| i >= PLAYER_STANDINGS_ROWS) {
                rows.push(row(&self.standings[i]));
            }
            view.standings = Some(rows);
        }
        view
    }
}

impl Snapshot {
    pub fn is_lobby(&self) -> bool {
        self.state.phase == Phase::Lobby
    }

    /// A player's lobby view from a shared lobby snapshot that may predate their join: in the lobby every
    /// score is 0, so a player missing from the snapshot is shown with score 0 and rank 1, exactly what a
    /// fresh snapshot would say (only `player_count` may lag by the joins of the last second).
    pub fn lobby_player_view(&self, player_id: &str, nickname: &str, now_ms: u64) -> StateView {
        if self.rank_of.contains_key(player_id) || !self.is_lobby() {
            return self.player_view(player_id, now_ms);
        }
        let mut view = self.base(now_ms);
        view.me = Some(MeView {
            player_id: player_id.to_owned(),
            nickname: nickname.to_owned(),
            score: 0,
            rank: 1,
            streak: 0,
            answered_choice: None,
            last_result: None,
        });
        view
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
