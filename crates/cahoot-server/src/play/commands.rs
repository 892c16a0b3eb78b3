//! The command layer: every change to a live game is one of these functions, whoever asks (a REST
//! handler, a socket, a fan-out timer). Each one makes ONE atomic live-store call that changes the game,
//! takes the event `seq` and publishes the event in the same step (see `live::GameStore`), and counts
//! its metrics. Nothing else in the server writes a live game or publishes on its channel, so reasoning
//! about event order means reading this file and the store operation it calls.
//!
//! | command      | store operation              | event published           |
//! |--------------|------------------------------|---------------------------|
//! | `create`     | `GameStore::create_game`     | –                         |
//! | `join`       | `GameStore::join_as`         | `PlayerJoined`            |
//! | `kick`       | `GameStore::kick`            | `Kicked`                  |
//! | `presence`   | `Presence::set_connected`    | `Presence`                |
//! | `answer`     | `GameStore::record_answer`   | `Answered` (new answers)  |
//! | `transition` | `GameStore::cas_state`       | `StateChanged`            |

use super::archive;
use crate::clock::now_ms;
use crate::durable::DurableStore;
use crate::http::metrics::Metrics;
use crate::live::{GameMeta, Joined, LiveError, LiveStore, PinLookup};
use cahoot_game::answer::ANSWER_ID_MAX;
use cahoot_game::model::RecordOutcome;
use cahoot_game::{
    AnswerValue, Command, Context, Event, GamePin, Nickname, PupilId, QuizInput, TransitionError,
    apply, grade,
};
use cahoot_protocol::{ErrorCode, GameId, PlayerId};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

/// Tries to find a free PIN before giving up; with < 1 % of the PIN space in use, 20 misses in a row
/// practically never happen.
const PIN_ATTEMPTS: usize = 20;
/// Wrong PINs per client address per minute: a PIN is a 6-digit capability, guessing must be slow. Only
/// failures count: a whole school behind one NAT address must still be able to join (30 pupils at once).
const WRONG_PINS_PER_MINUTE: u64 = 20;
pub const WRONG_PIN_WINDOW: Duration = Duration::from_secs(60);
/// Lost CAS races in a row before a transition gives up (only under absurd contention).
const CAS_ATTEMPTS: usize = 16;
/// A live store that just restarted fails the first request on each pooled connection; a transition
/// retries this often, with a doubling pause from 100 ms, instead of showing the host an error.
const UNAVAILABLE_RETRIES: usize = 4;

/// Why a command was refused. Every variant is a client-facing error code.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Live(#[from] LiveError),
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error("the game changed too often to apply the command; try again")]
    Contended,
    #[error("too many wrong PINs; wait a minute")]
    TooManyWrongPins,
    #[error("no game with that PIN")]
    UnknownPin,
    #[error("could not allocate a game PIN; try again")]
    NoFreePin,
    #[error("answer_id must be 1 to {ANSWER_ID_MAX} characters")]
    BadAnswerId,
    #[error("this game asks for your pupil identifier")]
    PupilIdRequired,
}

impl CommandError {
    pub fn code(&self) -> ErrorCode {
        match self {
            CommandError::Live(e) => e.code(),
            CommandError::Transition(e) => (*e).into(),
            CommandError::Contended => ErrorCode::Conflict,
            CommandError::TooManyWrongPins => ErrorCode::TooManyAttempts,
            CommandError::UnknownPin => ErrorCode::GameNotFound,
            CommandError::NoFreePin => ErrorCode::NoFreePin,
            CommandError::BadAnswerId => ErrorCode::BadMessage,
            CommandError::PupilIdRequired => ErrorCode::PupilIdRequired,
        }
    }
}

/// The command layer's handle: the stores and metrics the commands need (cheap to clone).
#[derive(Clone)]
pub struct Commands {
    pub live: Arc<dyn LiveStore>,
    pub durable: Arc<dyn DurableStore>,
    pub metrics: Arc<Metrics>,
    /// `question_lead_in_ms` from the configuration, given to every game this instance creates.
    pub lead_in_ms: u64,
}

impl Commands {
    /// Creates a game in the lobby under a fresh PIN.
    pub async fn create(
        &self,
        owner_id: uuid::Uuid,
        quiz_id: uuid::Uuid,
        quiz: QuizInput,
        require_pupil_id: bool,
    ) -> Result<GameMeta, CommandError> {
        // Shuffled options and puzzle items are dealt once per game, stored with it: every instance and
        // every screen shows the same order, and the results keep it.
        let mut meta = GameMeta {
            id: GameId::random(),
            pin: GamePin::from_random(rand::random()),
            owner_id,
            quiz_id,
            quiz: quiz.for_game(rand::random()),
            created_at_ms: now_ms(),
            lead_in_ms: self.lead_in_ms,
            require_pupil_id,
        };
        for _ in 0..PIN_ATTEMPTS {
            match self.live.create_game(meta.clone()).await {
                Ok(()) => {
                    tracing::info!(game = %meta.id, pin = %meta.pin, "game created");
                    return Ok(meta);
                }
                Err(LiveError::PinTaken) => meta.pin = GamePin::from_random(rand::random()),
                Err(e) => return Err(e.into()),
            }
        }
        Err(CommandError::NoFreePin)
    }

    /// Joins the game behind `pin`. Wrong PINs are counted per client address (`from`); past the limit
    /// every join from that address is refused until the window ends. A game started with
    /// `require_pupil_id` refuses a join without `pupil_id` (`PupilIdRequired`); a game without it drops
    /// one that is given.
    pub async fn join(
        &self,
        pin: GamePin,
        nickname: &Nickname,
        pupil_id: Option<&PupilId>,
        from: IpAddr,
    ) -> Result<(GameId, PlayerId, Joined), CommandError> {
        let guess_key = format!("join-fail:ip:{from}");
        if self.live.peek(&guess_key).await? >= WRONG_PINS_PER_MINUTE {
            return Err(CommandError::TooManyWrongPins);
        }
        let game_id = match self.live.find_pin(pin).await? {
            PinLookup::Live(id) => id,
            PinLookup::Finished => return Err(LiveError::GameFinished.into()),
            PinLookup::Unknown => {
                let failures = self.live.hit(&guess_key, WRONG_PIN_WINDOW).await?;
                return Err(if failures > WRONG_PINS_PER_MINUTE {
                    CommandError::TooManyWrongPins
                } else {
                    CommandError::UnknownPin
                });
            }
        };
        let meta = self
            .live
            .meta(game_id)
            .await?
            .ok_or(LiveError::GameNotFound)?;
        let pupil_id = if meta.require_pupil_id {
            Some(pupil_id.ok_or(CommandError::PupilIdRequired)?)
        } else {
            None
        };
        let player_id = PlayerId::random();
        let joined = self
            .live
            .join_as(game_id, player_id, nickname, pupil_id)
            .await?;
        Ok((game_id, player_id, joined))
    }

    /// Removes a player for good; their sockets close and everyone's screen drops them.
    pub async fn kick(&self, game_id: GameId, player_id: &str) -> Result<(), CommandError> {
        // An id that is not even a UUID names nobody in the game.
        let player_id = PlayerId::parse(player_id).ok_or(LiveError::PlayerNotFound)?;
        if self.live.kick(game_id, player_id).await? {
            Ok(())
        } else {
            Err(LiveError::PlayerNotFound.into())
        }
    }

    /// Grants or withdraws a player's extra time (from the next question on).
    pub async fn set_extra_time(
        &self,
        game_id: GameId,
        player_id: &str,
        on: bool,
    ) -> Result<(), CommandError> {
        let player_id = PlayerId::parse(player_id).ok_or(LiveError::PlayerNotFound)?;
        if self.live.set_extra_time(game_id, player_id, on).await? {
            Ok(())
        } else {
            Err(LiveError::PlayerNotFound.into())
        }
    }

    /// A player's socket opened or closed (the "everyone answered" check and the lobby list follow).
    pub async fn presence(
        &self,
        game_id: GameId,
        player_id: PlayerId,
        connected: bool,
    ) -> Result<(), CommandError> {
        Ok(self
            .live
            .set_connected(game_id, player_id, connected)
            .await?)
    }

    /// Records a player's answer exactly once, judged at the server's receive time. An answer whose shape
    /// does not fit the question (text for a multiple choice, a repeated pick, a value off the slider) is
    /// refused here, before the store is asked: nothing is recorded and the hot path stays one operation.
    pub async fn answer(
        &self,
        meta: &GameMeta,
        player_id: PlayerId,
        answer_id: &str,
        question: u32,
        value: AnswerValue,
    ) -> Result<RecordOutcome, CommandError> {
        if answer_id.is_empty() || answer_id.len() > ANSWER_ID_MAX {
            return Err(CommandError::BadAnswerId);
        }
        // A question that does not exist is the store's "question closed", like a future one.
        if let Some(q) = meta.quiz.questions.get(question as usize)
            && let Err(e) = grade(q, value.clone())
        {
            self.metrics.answer("refused");
            return Err(LiveError::Answer(e).into());
        }
        let recorded = self
            .live
            .record_answer(meta.id, player_id, answer_id, question, value, now_ms())
            .await;
        match &recorded {
            Ok(outcome) if outcome.newly_recorded => self.metrics.answer("accepted"),
            Ok(_) => self.metrics.answer("resent"),
            Err(LiveError::Answer(_)) => self.metrics.answer("refused"),
            Err(_) => {}
        }
        Ok(recorded?)
    }

    /// Applies a host command or a timer's close: load → decide with the pure state machine →
    /// compare-and-set; on a lost race reload and decide again. Exactly one caller wins a transition;
    /// only the winner's store call publishes it, and the winner of the podium archives the game.
    pub async fn transition(
        &self,
        game_id: GameId,
        command: Command,
    ) -> Result<Vec<Event>, CommandError> {
        let mut pause = Duration::from_millis(100);
        for _ in 0..UNAVAILABLE_RETRIES {
            match self.try_transition(game_id, command).await {
                Err(CommandError::Live(LiveError::Unavailable(_))) => {
                    tokio::time::sleep(pause).await;
                    pause *= 2;
                }
                other => return other,
            }
        }
        self.try_transition(game_id, command).await
    }

    async fn try_transition(
        &self,
        game_id: GameId,
        command: Command,
    ) -> Result<Vec<Event>, CommandError> {
        let live = &self.live;
        let meta = live.meta(game_id).await?.ok_or(LiveError::GameNotFound)?;
        // Read once: a CAS retry is about the state, not about who has extra time.
        let extra_time = !live.extra_time(game_id).await?.is_empty();
        for _ in 0..CAS_ATTEMPTS {
            let current = live.state(game_id).await?.ok_or(LiveError::GameNotFound)?;
            let players = live.player_total(game_id).await?;
            let ctx = Context {
                now_ms: now_ms(),
                player_count: players as usize,
                quiz: &meta.quiz,
                lead_in_ms: meta.lead_in_ms,
                extra_time,
            };
            let (next, events) = apply(&current, command, &ctx)?;
            if let Some(seq) = live.cas_state(game_id, current.version, &next).await? {
                tracing::debug!(game = %game_id, seq, phase = ?next.phase, "transition applied");
                if events.contains(&Event::GameEnded) {
                    archive::archive_after_podium(self.clone(), meta, players);
                }
                return Ok(events);
            }
        }
        Err(CommandError::Contended)
    }
}
