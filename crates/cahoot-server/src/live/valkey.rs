//! Valkey (Redis 7.0 protocol) live store for distributed mode.
//!
//! Every key and the channel of one game share the hash tag `{g:<id>}`, so each multi-key script touches one
//! slot. Whatever must not race is one Lua script (`lua/*.lua`): the state CAS, joining (unique nickname),
//! kicking, connection counting and — the hot path — recording an answer (record once, score once, count
//! once). Each of them takes its `seq` and publishes its event inside the script. Scoring itself
//! (correctness and the time discount) is computed in Rust by `cahoot-game`; the answer script re-checks
//! the phase and deadline atomically and applies the streak bonus with `cahoot-game`'s step and cap.

use super::{
    Counters, Denylist, EventBus, GameMeta, GameStore, Joined, LiveError, LiveMessage, LiveStore,
    PinLookup, Presence,
};
use crate::clock::now_ms;
use async_trait::async_trait;
use cahoot_game::model::{PlayerRecord, RecordOutcome};
use cahoot_game::scoring::{STREAK_CAP, STREAK_STEP};
use cahoot_game::{
    AcceptedAnswer, AnswerError, AnswerValue, GamePin, GameState, JudgedAnswer, Nickname, PupilId,
    Streak, judge,
};
use cahoot_protocol::{GameId, PlayerId};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use redis::aio::ConnectionManager;
use redis::{AsyncCommands, Script};
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

/// A live game's keys expire this long after its last transition (a forgotten game cleans itself up).
const GAME_TTL_SECS: u64 = 6 * 3600;
/// Every per-game key except the per-question answer hashes, which expire on their own.
const GAME_KEYS: [&str; 12] = [
    "meta",
    "state",
    "players",
    "nicks",
    "kicked",
    "conns",
    "connected",
    "alive",
    "scores",
    "streaks",
    "extra",
    "seq",
];
/// An instance that has not refreshed its heartbeat for this long is considered dead: its sockets no
/// longer count as connected players (it was SIGKILLed and could not say goodbye).
const INSTANCE_ALIVE_MS: u64 = 3_000;

// The scripts, one job each; every script that changes what clients see also publishes its event.
const CAS: &str = include_str!("lua/cas.lua");
const JOIN: &str = include_str!("lua/join.lua");
const KICK: &str = include_str!("lua/kick.lua");
const EXTRA_TIME: &str = include_str!("lua/extra_time.lua");
const CONNECT: &str = include_str!("lua/connect.lua");
const CONNECTED: &str = include_str!("lua/connected.lua");
const RECORD_ANSWER: &str = include_str!("lua/record_answer.lua");
const HIT: &str = include_str!("lua/hit.lua");

/// Players with at least one socket on an instance whose heartbeat is recent.
fn connected_players<'a>(
    conns: &'a HashMap<String, i64>,
    alive: &HashMap<String, u64>,
    now: u64,
) -> std::collections::HashSet<&'a str> {
    conns
        .iter()
        .filter(|(_, n)| **n > 0)
        .filter_map(|(field, _)| field.rsplit_once('|'))
        .filter(|(_, inst)| {
            alive
                .get(*inst)
                .is_some_and(|t| now.saturating_sub(*t) <= INSTANCE_ALIVE_MS)
        })
        .map(|(player, _)| player)
        .collect()
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredPlayer {
    nickname: String,
    nick_key: String,
    /// Given at join when the host asks for it; only the results (host-only) read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pupil_id: Option<String>,
}

pub struct ValkeyLiveStore {
    client: redis::Client,
    conn: ConnectionManager,
    /// Readiness pings use their own connection: behind a burst of game traffic (a reconnect storm after
    /// a failover) a shared connection would make a healthy store look dead and take the instance out of
    /// the load balancer, which causes the next storm.
    ping_conn: ConnectionManager,
    prefix: String,
    cas: Script,
    join: Script,
    kick: Script,
    extra_time: Script,
    connect: Script,
    connected: Script,
    record: Script,
    /// This process's id in per-instance bookkeeping (socket counts, heartbeats).
    instance: String,
    hit: Script,
    /// Per-instance copies that save the answer path two round trips (see `GameCache`).
    cache: GameCache,
}

/// What this instance remembers of the games it serves. A game's meta (its quiz) never changes after
/// creation, so it is read once. The state is only a guess: `record_answer` judges against it and the
/// script rejects the answer as stale unless the stored state has the same version, so a wrong guess
/// costs one more round trip, never a wrong score.
#[derive(Default)]
struct GameCache {
    entries: std::sync::Mutex<HashMap<GameId, CachedGame>>,
    /// Game → player id → nickname. A player's nickname never changes, so a snapshot only reads the
    /// players it has not seen yet instead of every player record (10 000 JSON records per snapshot).
    rosters: std::sync::Mutex<HashMap<GameId, HashMap<String, String>>>,
}

#[derive(Default, Clone)]
struct CachedGame {
    meta: Option<std::sync::Arc<GameMeta>>,
    state: Option<GameState>,
}

/// Games remembered at most; beyond that the cache starts over (an instance serves a few games at once).
const CACHED_GAMES: usize = 1024;

/// A game's entry in a per-game cache map, emptying the map first when it is full.
fn bounded_entry<V: Default>(map: &mut HashMap<GameId, V>, game_id: GameId) -> &mut V {
    if map.len() >= CACHED_GAMES && !map.contains_key(&game_id) {
        map.clear();
    }
    map.entry(game_id).or_default()
}

impl GameCache {
    fn get(&self, game_id: GameId) -> CachedGame {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.get(&game_id).cloned().unwrap_or_default()
    }

    fn update(&self, game_id: GameId, f: impl FnOnce(&mut CachedGame)) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        f(bounded_entry(&mut entries, game_id));
    }

    /// The cached nicknames of `ids`, and the ids this instance has not seen yet.
    fn nicknames(&self, game_id: GameId, ids: &[String]) -> (HashMap<String, String>, Vec<String>) {
        let rosters = self.rosters.lock().unwrap_or_else(|e| e.into_inner());
        let known = rosters.get(&game_id);
        let mut found = HashMap::with_capacity(ids.len());
        let mut unseen = Vec::new();
        for id in ids {
            match known.and_then(|k| k.get(id)) {
                Some(nickname) => {
                    found.insert(id.clone(), nickname.clone());
                }
                None => unseen.push(id.clone()),
            }
        }
        (found, unseen)
    }

    fn remember_nicknames(&self, game_id: GameId, fetched: &HashMap<String, String>) {
        let mut rosters = self.rosters.lock().unwrap_or_else(|e| e.into_inner());
        bounded_entry(&mut rosters, game_id)
            .extend(fetched.iter().map(|(k, v)| (k.clone(), v.clone())));
    }

    fn remember_state(&self, game_id: GameId, state: &GameState) {
        self.update(game_id, |g| {
            // Never replace a newer guess with an older read that arrived late.
            if g.state.as_ref().is_none_or(|s| s.version <= state.version) {
                g.state = Some(state.clone());
            }
        });
    }
}

impl From<redis::RedisError> for LiveError {
    fn from(e: redis::RedisError) -> LiveError {
        LiveError::Unavailable(e.to_string())
    }
}

fn corrupt(what: &str) -> LiveError {
    LiveError::Unavailable(format!("unreadable {what} in the live store"))
}

impl ValkeyLiveStore {
    /// Connects to `redis://…` (or `valkey://…`, rewritten). The connection manager reconnects by itself
    /// after a Valkey restart.
    pub async fn connect(url: &str) -> Result<Self, LiveError> {
        Self::connect_with_prefix(url, "cahoot").await
    }

    /// Like `connect`, with every key under `prefix` (tests use one prefix per test).
    pub async fn connect_with_prefix(url: &str, prefix: &str) -> Result<Self, LiveError> {
        let url = url.replacen("valkey://", "redis://", 1);
        let client = redis::Client::open(url)?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)));
        let conn = ConnectionManager::new_with_config(client.clone(), config.clone()).await?;
        let ping_conn = ConnectionManager::new_with_config(client.clone(), config).await?;
        Ok(ValkeyLiveStore {
            client,
            conn,
            ping_conn,
            prefix: prefix.to_owned(),
            cas: Script::new(CAS),
            join: Script::new(JOIN),
            kick: Script::new(KICK),
            extra_time: Script::new(EXTRA_TIME),
            connect: Script::new(CONNECT),
            connected: Script::new(CONNECTED),
            instance: hex::encode(rand::random::<[u8; 8]>()),
            record: Script::new(RECORD_ANSWER),
            hit: Script::new(HIT),
            cache: GameCache::default(),
        })
    }

    fn key(&self, game: GameId, suffix: &str) -> String {
        format!("{}:{{g:{game}}}:{suffix}", self.prefix)
    }

    fn channel(&self, game: GameId) -> String {
        self.key(game, "events")
    }

    fn pin_key(&self, pin: GamePin) -> String {
        format!("{}:pin:{pin}", self.prefix)
    }

    /// A finished game's PIN, kept until the game expires so a late join hears "finished".
    fn finished_pin_key(&self, pin: GamePin) -> String {
        format!("{}:finished-pin:{pin}", self.prefix)
    }

    fn conn(&self) -> ConnectionManager {
        self.conn.clone()
    }

    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        key: String,
        what: &str,
    ) -> Result<Option<T>, LiveError> {
        let raw: Option<String> = self.conn().get(key).await?;
        raw.map(|s| serde_json::from_str(&s).map_err(|_| corrupt(what)))
            .transpose()
    }

    async fn require_game(&self, game_id: GameId) -> Result<(), LiveError> {
        let exists: bool = self.conn().exists(self.key(game_id, "state")).await?;
        if exists {
            Ok(())
        } else {
            Err(LiveError::GameNotFound)
        }
    }

    /// The game's meta, read from the store once per instance (it never changes).
    async fn shared_meta(
        &self,
        game_id: GameId,
    ) -> Result<Option<std::sync::Arc<GameMeta>>, LiveError> {
        if let Some(meta) = self.cache.get(game_id).meta {
            return Ok(Some(meta));
        }
        let meta: Option<GameMeta> = self
            .get_json(self.key(game_id, "meta"), "game meta")
            .await?;
        Ok(meta.map(|m| {
            let meta = std::sync::Arc::new(m);
            self.cache.update(game_id, |g| g.meta = Some(meta.clone()));
            meta
        }))
    }

    /// The nicknames of `ids` (player id → nickname). A nickname never changes, so only the players this
    /// instance has not seen yet are read (a snapshot of 10 000 players would otherwise read 10 000 JSON
    /// records); a player missing from the store (kicked) is left out.
    async fn nicknames(
        &self,
        game_id: GameId,
        ids: &[String],
    ) -> Result<HashMap<String, String>, LiveError> {
        let (mut found, unseen) = self.cache.nicknames(game_id, ids);
        if unseen.is_empty() {
            return Ok(found);
        }
        let raw: Vec<Option<String>> = redis::cmd("HMGET")
            .arg(self.key(game_id, "players"))
            .arg(&unseen)
            .query_async(&mut self.conn())
            .await?;
        let mut fetched = HashMap::with_capacity(unseen.len());
        for (id, raw) in unseen.into_iter().zip(raw) {
            if let Some(raw) = raw {
                let stored: StoredPlayer =
                    serde_json::from_str(&raw).map_err(|_| corrupt("player"))?;
                fetched.insert(id, stored.nickname);
            }
        }
        self.cache.remember_nicknames(game_id, &fetched);
        found.extend(fetched);
        Ok(found)
    }

    fn parse_streak(raw: Option<&String>) -> Streak {
        raw.and_then(|s| s.split_once(':'))
            .and_then(|(c, l)| Some((c.parse().ok()?, l.parse::<i64>().ok()?)))
            .map_or_else(Streak::default, |(count, last): (u32, i64)| Streak {
                count,
                last_question: u32::try_from(last).ok(),
            })
    }
}

/// A script's `{'err', code}` reply as the error it stands for.
fn script_error(code: &str) -> LiveError {
    match code {
        "game_not_found" => LiveError::GameNotFound,
        "game_finished" => LiveError::GameFinished,
        "game_locked" => LiveError::GameLocked,
        "kicked" => LiveError::Kicked,
        "nickname_taken" => LiveError::NicknameTaken,
        "player_not_found" => LiveError::PlayerNotFound,
        "already_answered" => AnswerError::AlreadyAnswered.into(),
        "invalid_choice" => AnswerError::InvalidChoice.into(),
        // Shapes are checked before the store is asked (`Commands::answer`); this is a backstop.
        "invalid_answer" => {
            AnswerError::InvalidAnswer("that answer does not fit this question").into()
        }
        "question_closed" => AnswerError::QuestionClosed.into(),
        "question_not_open" => AnswerError::NotOpenYet.into(),
        other => LiveError::Unavailable(format!("unexpected script reply {other:?}")),
    }
}

/// The stored answer's JSON up to its `points` value, which the answer script appends (with the closing
/// brace) once it knows the streak bonus: `{"answer_id":…,…,"points":`. Same field names as
/// `AcceptedAnswer`, so it reads back as one.
fn answer_json_head(answer_id: &str, judged: &JudgedAnswer) -> Result<String, LiveError> {
    #[derive(serde::Serialize)]
    struct Head<'a> {
        answer_id: &'a str,
        question: u32,
        value: &'a AnswerValue,
        correct: bool,
        elapsed_ms: u64,
    }
    let mut json = serde_json::to_string(&Head {
        answer_id,
        question: judged.question,
        value: &judged.value,
        correct: judged.correct,
        elapsed_ms: judged.elapsed_ms,
    })
    .map_err(|_| corrupt("answer"))?;
    json.pop();
    json.push_str(r#","points":"#);
    Ok(json)
}

/// `AnswerError` as the answer script spells it (`script_error` reads it back).
fn answer_error_code(e: AnswerError) -> &'static str {
    match e {
        AnswerError::QuestionClosed => "question_closed",
        AnswerError::NotOpenYet => "question_not_open",
        AnswerError::InvalidChoice => "invalid_choice",
        AnswerError::InvalidAnswer(_) => "invalid_answer",
        AnswerError::AlreadyAnswered => "already_answered",
    }
}

#[async_trait]
impl LiveStore for ValkeyLiveStore {
    fn backend(&self) -> &'static str {
        "valkey"
    }

    async fn ping(&self) -> Result<(), LiveError> {
        let _: String = redis::cmd("PING")
            .query_async(&mut self.ping_conn.clone())
            .await?;
        Ok(())
    }
}

#[async_trait]
impl GameStore for ValkeyLiveStore {
    async fn create_game(&self, meta: GameMeta) -> Result<(), LiveError> {
        let mut conn = self.conn();
        let claimed: bool = redis::cmd("SET")
            .arg(self.pin_key(meta.pin))
            .arg(meta.id.to_string())
            .arg("NX")
            .arg("EX")
            .arg(GAME_TTL_SECS)
            .query_async::<Option<String>>(&mut conn)
            .await?
            .is_some();
        if !claimed {
            return Err(LiveError::PinTaken);
        }
        let state = GameState::new(meta.quiz.questions.len() as u32);
        let meta_json = serde_json::to_string(&meta).map_err(|_| corrupt("meta"))?;
        let state_json = serde_json::to_string(&state).map_err(|_| corrupt("state"))?;
        redis::pipe()
            .atomic()
            .del(self.finished_pin_key(meta.pin))
            .set_ex(self.key(meta.id, "meta"), meta_json, GAME_TTL_SECS)
            .set_ex(self.key(meta.id, "seq"), 0, GAME_TTL_SECS)
            .set_ex(self.key(meta.id, "state"), state_json, GAME_TTL_SECS)
            .query_async::<()>(&mut conn)
            .await
            .map_err(LiveError::from)
    }

    async fn find_pin(&self, pin: GamePin) -> Result<PinLookup, LiveError> {
        let (live, finished): (Option<String>, bool) = redis::pipe()
            .get(self.pin_key(pin))
            .exists(self.finished_pin_key(pin))
            .query_async(&mut self.conn())
            .await?;
        Ok(match live {
            Some(id) => PinLookup::Live(GameId::parse(&id).ok_or_else(|| corrupt("PIN"))?),
            None if finished => PinLookup::Finished,
            None => PinLookup::Unknown,
        })
    }

    async fn meta(&self, game_id: GameId) -> Result<Option<GameMeta>, LiveError> {
        Ok(self.shared_meta(game_id).await?.map(|m| (*m).clone()))
    }

    async fn state(&self, game_id: GameId) -> Result<Option<GameState>, LiveError> {
        let state: Option<GameState> = self
            .get_json(self.key(game_id, "state"), "game state")
            .await?;
        if let Some(s) = &state {
            self.cache.remember_state(game_id, s);
        }
        Ok(state)
    }

    async fn cas_state(
        &self,
        game_id: GameId,
        expected_version: u64,
        new_state: &GameState,
    ) -> Result<Option<u64>, LiveError> {
        let json = serde_json::to_string(new_state).map_err(|_| corrupt("state"))?;
        let mut inv = self.cas.prepare_invoke();
        inv.key(self.key(game_id, "state"));
        inv.key(self.key(game_id, "seq"));
        for suffix in GAME_KEYS.iter().filter(|s| !matches!(**s, "state" | "seq")) {
            inv.key(self.key(game_id, suffix));
        }
        let ttl = if new_state.is_finished() {
            2 * 3600
        } else {
            GAME_TTL_SECS
        };
        inv.arg(expected_version)
            .arg(json)
            .arg(ttl)
            .arg(self.channel(game_id))
            .arg(new_state.version);
        let r: i64 = inv.invoke_async(&mut self.conn()).await?;
        match r {
            -1 => Err(LiveError::GameNotFound),
            0 => Ok(None),
            seq => {
                self.cache.remember_state(game_id, new_state);
                Ok(Some(seq as u64))
            }
        }
    }

    async fn join_as(
        &self,
        game_id: GameId,
        player_id: PlayerId,
        nickname: &Nickname,
        pupil_id: Option<&PupilId>,
    ) -> Result<Joined, LiveError> {
        let stored = StoredPlayer {
            nickname: nickname.as_str().to_owned(),
            nick_key: nickname.uniqueness_key(),
            pupil_id: pupil_id.map(|p| p.as_str().to_owned()),
        };
        let json = serde_json::to_string(&stored).map_err(|_| corrupt("player"))?;
        let reply: redis::Value = self
            .join
            .key(self.key(game_id, "state"))
            .key(self.key(game_id, "players"))
            .key(self.key(game_id, "nicks"))
            .key(self.key(game_id, "kicked"))
            .key(self.key(game_id, "scores"))
            .key(self.key(game_id, "seq"))
            .arg(player_id.to_string())
            .arg(&stored.nick_key)
            .arg(json)
            .arg(self.channel(game_id))
            .arg(nickname.as_str())
            .invoke_async(&mut self.conn())
            .await?;
        match redis::from_redis_value::<(String, u64, u64)>(reply.clone()) {
            Ok((_, seq, player_count)) => Ok(Joined { seq, player_count }),
            Err(_) => {
                let (_, code): (String, String) =
                    redis::from_redis_value(reply).map_err(|_| corrupt("join reply"))?;
                Err(script_error(&code))
            }
        }
    }

    async fn pupil_ids(&self, game_id: GameId) -> Result<HashMap<String, String>, LiveError> {
        self.require_game(game_id).await?;
        // Read once, when the results are stored: every player record (the roster cache keeps nicknames only).
        let raw: HashMap<String, String> =
            self.conn().hgetall(self.key(game_id, "players")).await?;
        let mut out = HashMap::new();
        for (id, raw) in raw {
            let stored: StoredPlayer = serde_json::from_str(&raw).map_err(|_| corrupt("player"))?;
            if let Some(pupil_id) = stored.pupil_id {
                out.insert(id, pupil_id);
            }
        }
        Ok(out)
    }

    async fn players(&self, game_id: GameId) -> Result<Vec<(String, PlayerRecord)>, LiveError> {
        // Every player has a score (joining adds one, kicking removes it): the scores are the roster.
        let (exists, scores, conns, streaks, alive): (
            bool,
            Vec<(String, f64)>,
            HashMap<String, i64>,
            HashMap<String, String>,
            HashMap<String, u64>,
        ) = redis::pipe()
            .exists(self.key(game_id, "state"))
            .zrange_withscores(self.key(game_id, "scores"), 0, -1)
            .hgetall(self.key(game_id, "conns"))
            .hgetall(self.key(game_id, "streaks"))
            .hgetall(self.key(game_id, "alive"))
            .query_async(&mut self.conn())
            .await?;
        if !exists {
            return Err(LiveError::GameNotFound);
        }
        let connected = connected_players(&conns, &alive, now_ms());
        let ids: Vec<String> = scores.iter().map(|(id, _)| id.clone()).collect();
        let mut nicknames = self.nicknames(game_id, &ids).await?;
        // Players kicked since the scores were read have no nickname any more: they are left out.
        let mut out: Vec<(String, PlayerRecord)> = scores
            .into_iter()
            .filter_map(|(id, score)| {
                let record = PlayerRecord {
                    nickname: nicknames.remove(&id)?,
                    score: score as u64,
                    streak: Self::parse_streak(streaks.get(&id)),
                    connected: connected.contains(id.as_str()),
                };
                Some((id, record))
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    async fn player_total(&self, game_id: GameId) -> Result<u64, LiveError> {
        self.require_game(game_id).await?;
        self.conn()
            .hlen(self.key(game_id, "players"))
            .await
            .map_err(LiveError::from)
    }

    async fn player(
        &self,
        game_id: GameId,
        player_id: PlayerId,
    ) -> Result<Option<PlayerRecord>, LiveError> {
        self.require_game(game_id).await?;
        let player_id = player_id.to_string();
        let (raw, score, streak, alive): (
            Option<String>,
            Option<f64>,
            Option<String>,
            HashMap<String, u64>,
        ) = redis::pipe()
            .hget(self.key(game_id, "players"), &player_id)
            .zscore(self.key(game_id, "scores"), &player_id)
            .hget(self.key(game_id, "streaks"), &player_id)
            .hgetall(self.key(game_id, "alive"))
            .query_async(&mut self.conn())
            .await?;
        let Some(raw) = raw else { return Ok(None) };
        // Only this player's socket counts on live instances: a few fields, not the whole hash.
        let now = now_ms();
        let fields: Vec<String> = alive
            .iter()
            .filter(|(_, t)| now.saturating_sub(**t) <= INSTANCE_ALIVE_MS)
            .map(|(inst, _)| format!("{player_id}|{inst}"))
            .collect();
        let sockets: Vec<Option<i64>> = if fields.is_empty() {
            Vec::new()
        } else {
            redis::cmd("HMGET")
                .arg(self.key(game_id, "conns"))
                .arg(&fields)
                .query_async(&mut self.conn())
                .await?
        };
        let stored: StoredPlayer = serde_json::from_str(&raw).map_err(|_| corrupt("player"))?;
        Ok(Some(PlayerRecord {
            nickname: stored.nickname,
            score: score.unwrap_or(0.0) as u64,
            streak: Self::parse_streak(streak.as_ref()),
            connected: sockets.iter().any(|n| n.unwrap_or(0) > 0),
        }))
    }

    async fn kick(&self, game_id: GameId, player_id: PlayerId) -> Result<bool, LiveError> {
        self.require_game(game_id).await?;
        let seq: i64 = self
            .kick
            .key(self.key(game_id, "players"))
            .key(self.key(game_id, "nicks"))
            .key(self.key(game_id, "kicked"))
            .key(self.key(game_id, "scores"))
            .key(self.key(game_id, "conns"))
            .key(self.key(game_id, "streaks"))
            .key(self.key(game_id, "alive"))
            .key(self.key(game_id, "connected"))
            .key(self.key(game_id, "seq"))
            .key(self.key(game_id, "extra"))
            .arg(player_id.to_string())
            .arg(self.channel(game_id))
            .invoke_async(&mut self.conn())
            .await?;
        Ok(seq > 0)
    }

    async fn set_extra_time(
        &self,
        game_id: GameId,
        player_id: PlayerId,
        on: bool,
    ) -> Result<bool, LiveError> {
        self.require_game(game_id).await?;
        let seq: i64 = self
            .extra_time
            .key(self.key(game_id, "players"))
            .key(self.key(game_id, "extra"))
            .key(self.key(game_id, "seq"))
            .arg(player_id.to_string())
            .arg(u8::from(on))
            .arg(self.channel(game_id))
            .invoke_async(&mut self.conn())
            .await?;
        Ok(seq > 0)
    }

    async fn extra_time(&self, game_id: GameId) -> Result<BTreeSet<String>, LiveError> {
        self.conn()
            .smembers(self.key(game_id, "extra"))
            .await
            .map_err(LiveError::from)
    }

    async fn is_kicked(&self, game_id: GameId, player_id: PlayerId) -> Result<bool, LiveError> {
        self.require_game(game_id).await?;
        self.conn()
            .sismember(self.key(game_id, "kicked"), player_id.to_string())
            .await
            .map_err(LiveError::from)
    }

    async fn record_answer(
        &self,
        game_id: GameId,
        player_id: PlayerId,
        answer_id: &str,
        question: u32,
        value: AnswerValue,
        now_ms: u64,
    ) -> Result<RecordOutcome, LiveError> {
        let meta = self
            .shared_meta(game_id)
            .await?
            .ok_or(LiveError::GameNotFound)?;
        let announcement = serde_json::to_string(&LiveMessage::Answered { question })
            .map_err(|_| corrupt("message"))?;
        let player_id = player_id.to_string();
        // One round trip in the steady state: judged against this instance's last known state, which the
        // script accepts only if it is still the stored version. A stale guess is re-read and judged again.
        let mut state = self.cache.get(game_id).state;
        let mut attempts = 0;
        let (kind, payload) = loop {
            let current = match state.take() {
                Some(s) => s,
                None => self.state(game_id).await?.ok_or(LiveError::GameNotFound)?,
            };
            // Judge in Rust (one scoring implementation); the script re-checks phase and deadline atomically.
            let judged = judge(&current, &meta.quiz, question, value.clone(), now_ms);
            let (ok, correct, base, is_judged, previous, head, err) = match judged {
                Ok(j) => (
                    1,
                    j.correct,
                    j.base_points,
                    j.judged,
                    j.previous_judged.map_or(-1, i64::from),
                    answer_json_head(answer_id, &j)?,
                    "",
                ),
                Err(e) => (0, false, 0, false, -1, String::new(), answer_error_code(e)),
            };
            let (kind, payload): (String, String) = self
                .record
                .key(self.key(game_id, "state"))
                .key(self.key(game_id, &format!("answers:{question}")))
                .key(self.key(game_id, "streaks"))
                .key(self.key(game_id, "scores"))
                .key(self.key(game_id, "players"))
                .key(self.key(game_id, "extra"))
                .arg(&player_id)
                .arg(answer_id)
                .arg(question)
                .arg(now_ms)
                .arg(ok)
                .arg(u8::from(correct))
                .arg(base)
                .arg(u8::from(is_judged))
                .arg(head)
                .arg(GAME_TTL_SECS)
                .arg(err)
                .arg(current.version)
                .arg(self.channel(game_id))
                .arg(&announcement)
                .arg(STREAK_STEP)
                .arg(STREAK_CAP)
                .arg(previous)
                .invoke_async(&mut self.conn())
                .await?;
            attempts += 1;
            // Each retry reads the stored state, so a second stale reply means it moved on meanwhile.
            if kind != "stale" || attempts >= 3 {
                break (kind, payload);
            }
        };
        let answer = |payload: &str| -> Result<AcceptedAnswer, LiveError> {
            serde_json::from_str(payload).map_err(|_| corrupt("answer"))
        };
        match kind.as_str() {
            "new" => Ok(RecordOutcome {
                answer: answer(&payload)?,
                newly_recorded: true,
            }),
            "dup" => Ok(RecordOutcome {
                answer: answer(&payload)?,
                newly_recorded: false,
            }),
            "err" => Err(script_error(&payload)),
            // "stale" three times: the state changes faster than answers arrive, i.e. the question ended.
            _ => Err(AnswerError::QuestionClosed.into()),
        }
    }

    async fn answers(
        &self,
        game_id: GameId,
        question: u32,
    ) -> Result<Vec<(String, AcceptedAnswer)>, LiveError> {
        let raw: HashMap<String, String> = self
            .conn()
            .hgetall(self.key(game_id, &format!("answers:{question}")))
            .await?;
        raw.into_iter()
            .map(|(p, a)| Ok((p, serde_json::from_str(&a).map_err(|_| corrupt("answer"))?)))
            .collect()
    }

    async fn answer_of(
        &self,
        game_id: GameId,
        question: u32,
        player_id: PlayerId,
    ) -> Result<Option<AcceptedAnswer>, LiveError> {
        let raw: Option<String> = self
            .conn()
            .hget(
                self.key(game_id, &format!("answers:{question}")),
                player_id.to_string(),
            )
            .await?;
        raw.map(|a| serde_json::from_str(&a).map_err(|_| corrupt("answer")))
            .transpose()
    }

    async fn answered_count(&self, game_id: GameId, question: u32) -> Result<u64, LiveError> {
        self.conn()
            .hlen(self.key(game_id, &format!("answers:{question}")))
            .await
            .map_err(LiveError::from)
    }

    async fn finish_game(&self, game_id: GameId, keep_for: Duration) -> Result<(), LiveError> {
        let meta = self.meta(game_id).await?.ok_or(LiveError::GameNotFound)?;
        let secs = keep_for.as_secs().max(1);
        let mut pipe = redis::pipe();
        // The PIN is free for a new game; until this one expires, a join with it hears "finished".
        pipe.del(self.pin_key(meta.pin)).ignore();
        pipe.set_ex(self.finished_pin_key(meta.pin), game_id.to_string(), secs)
            .ignore();
        for suffix in GAME_KEYS {
            pipe.expire(self.key(game_id, suffix), secs as i64).ignore();
        }
        for q in 0..meta.quiz.questions.len() {
            pipe.expire(self.key(game_id, &format!("answers:{q}")), secs as i64)
                .ignore();
        }
        pipe.query_async::<()>(&mut self.conn())
            .await
            .map_err(LiveError::from)
    }
}

#[async_trait]
impl EventBus for ValkeyLiveStore {
    async fn current_seq(&self, game_id: GameId) -> Result<u64, LiveError> {
        let seq: Option<u64> = self.conn().get(self.key(game_id, "seq")).await?;
        seq.ok_or(LiveError::GameNotFound)
    }

    async fn subscribe(
        &self,
        game_id: GameId,
    ) -> Result<BoxStream<'static, LiveMessage>, LiveError> {
        let mut pubsub = self.client.get_async_pubsub().await?;
        pubsub.subscribe(self.channel(game_id)).await?;
        // The stream ends when the connection drops; the fan-out then resubscribes and resyncs its sockets.
        let stream = pubsub.into_on_message().filter_map(|msg| async move {
            let payload: String = msg.get_payload().ok()?;
            serde_json::from_str::<LiveMessage>(&payload).ok()
        });
        Ok(stream.boxed())
    }
}

#[async_trait]
impl Presence for ValkeyLiveStore {
    async fn set_connected(
        &self,
        game_id: GameId,
        player_id: PlayerId,
        connected: bool,
    ) -> Result<(), LiveError> {
        self.require_game(game_id).await?;
        let r: i64 = self
            .connect
            .key(self.key(game_id, "players"))
            .key(self.key(game_id, "conns"))
            .key(self.key(game_id, "alive"))
            .key(self.key(game_id, "connected"))
            .arg(player_id.to_string())
            .arg(&self.instance)
            .arg(if connected { 1 } else { -1 })
            .arg(now_ms())
            .arg(self.channel(game_id))
            .invoke_async(&mut self.conn())
            .await?;
        if r < 0 {
            Err(LiveError::PlayerNotFound)
        } else {
            Ok(())
        }
    }

    async fn player_counts(&self, game_id: GameId) -> Result<(u64, u64), LiveError> {
        self.require_game(game_id).await?;
        let total: u64 = self.conn().hlen(self.key(game_id, "players")).await?;
        let connected: u64 = self
            .connected
            .key(self.key(game_id, "alive"))
            .key(self.key(game_id, "connected"))
            .arg(now_ms())
            .arg(INSTANCE_ALIVE_MS)
            .invoke_async(&mut self.conn())
            .await?;
        Ok((total, connected))
    }

    async fn heartbeat(&self, game_id: GameId) -> Result<(), LiveError> {
        self.conn()
            .hset(self.key(game_id, "alive"), &self.instance, now_ms())
            .await
            .map_err(LiveError::from)
    }
}

#[async_trait]
impl Counters for ValkeyLiveStore {
    async fn hit(&self, key: &str, window: Duration) -> Result<u64, LiveError> {
        self.hit
            .key(format!("{}:ctr:{key}", self.prefix))
            .arg(window.as_millis().max(1) as u64)
            .invoke_async(&mut self.conn())
            .await
            .map_err(LiveError::from)
    }

    async fn peek(&self, key: &str) -> Result<u64, LiveError> {
        let n: Option<u64> = self
            .conn()
            .get(format!("{}:ctr:{key}", self.prefix))
            .await?;
        Ok(n.unwrap_or(0))
    }

    async fn reset(&self, key: &str) -> Result<(), LiveError> {
        self.conn()
            .del(format!("{}:ctr:{key}", self.prefix))
            .await
            .map_err(LiveError::from)
    }
}

#[async_trait]
impl Denylist for ValkeyLiveStore {
    async fn deny_token(&self, jti: &str, ttl: Duration) -> Result<(), LiveError> {
        self.conn()
            .pset_ex(
                format!("{}:deny:{jti}", self.prefix),
                1,
                ttl.as_millis().max(1) as u64,
            )
            .await
            .map_err(LiveError::from)
    }

    async fn is_token_denied(&self, jti: &str) -> Result<bool, LiveError> {
        self.conn()
            .exists(format!("{}:deny:{jti}", self.prefix))
            .await
            .map_err(LiveError::from)
    }
}
