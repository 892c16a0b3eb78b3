//! `cahoot-load game` and `cahoot-load failover`: one live game with P simulated players.
//!
//! The host creates a quiz and a game over REST, P players join (REST join, then WebSocket) at a set ramp,
//! and the host plays Q questions. Measured: join rate, answer-ack latency (answer sent → `answer_ack`),
//! fan-out latency (host command sent → each player received the resulting `state`; generator and server
//! share one clock), reconnects, errors, the instances' RSS (→ KiB per player) and per-process CPU.
//! `failover` also SIGKILLs the instance holding most player sockets at a chosen moment and checks that
//! every acknowledged answer is in the live store exactly once and scored once.

use crate::api::{self, Api};
use crate::charts;
use crate::host::{Host, phase};
use crate::load_quiz::LoadQuiz;
use crate::output::{Output, progress};
use crate::player::{AnswerPlan, Shared, lock};
use crate::procs::{Sampler, spawn_sampler};
use crate::stats::{Series, Summary, TimePoint};
use crate::target::{Target, TargetArgs};
use anyhow::{Context, bail};
use cahoot_client::bot::BotStatus;
use cahoot_protocol::{AnswerValue, ClientMessage, PhaseName};
use clap::Args;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::sync::watch;
use tokio::time::Instant;

#[derive(Args, Debug, Clone)]
pub struct GameArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Simulated players.
    #[arg(short = 'p', long, default_value_t = 100)]
    pub players: usize,
    /// Questions to play.
    #[arg(short = 'q', long, default_value_t = 3)]
    pub questions: u32,
    /// Time limit of each question (seconds).
    #[arg(long, default_value_t = 30)]
    pub time_limit: u32,
    /// Joins started per second (the ramp).
    #[arg(long, default_value_t = 500.0)]
    pub join_rate: f64,
    /// Joins (REST + WebSocket handshake) in flight at once.
    #[arg(long, default_value_t = 64)]
    pub join_concurrency: usize,
    /// Median think time before answering (ms); think times are log-normal.
    #[arg(long, default_value_t = 2000.0)]
    pub answer_median_ms: f64,
    /// Spread (σ of the log) of think times.
    #[arg(long, default_value_t = 0.5)]
    pub answer_sigma: f64,
    /// Think times are clamped to [answer-min-ms, answer-max-ms].
    #[arg(long, default_value_t = 300)]
    pub answer_min_ms: u64,
    #[arg(long, default_value_t = 8000)]
    pub answer_max_ms: u64,
    /// Share of correct answers.
    #[arg(long, default_value_t = 0.7)]
    pub correct_rate: f64,
    /// Share of players who do not answer a question (the host then skips after the answer window).
    #[arg(long, default_value_t = 0.0)]
    pub no_answer_rate: f64,
    /// Cycle through every kind of question a player answers (multiple choice, true/false, multi-select,
    /// type answer, slider, puzzle, poll, word cloud) instead of multiple choice only.
    #[arg(long)]
    pub mixed: bool,
    /// Pause after every player has seen a screen before the host moves on (ms).
    #[arg(long, default_value_t = 500)]
    pub pause_ms: u64,
    /// Exit non-zero on any error, lost or duplicated answer, or player that did not finish.
    #[arg(long)]
    pub assert_no_loss: bool,
    #[command(flatten)]
    pub output: Output,
}

#[derive(Args, Debug)]
pub struct FailoverArgs {
    #[command(flatten)]
    pub game: GameArgs,
    /// When to SIGKILL the instance holding most player sockets: `lobby`, `question:Q:start`,
    /// `question:Q:mid` (after half the answers to Q were acknowledged), `reveal:Q`, `leaderboard:Q`.
    #[arg(long, default_value = "question:1:mid")]
    pub kill_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KillAt {
    Lobby,
    QuestionStart(u32),
    QuestionMid(u32),
    Reveal(u32),
    Leaderboard(u32),
}

impl std::str::FromStr for KillAt {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> anyhow::Result<KillAt> {
        let parts: Vec<&str> = s.split(':').collect();
        let q = || -> anyhow::Result<u32> {
            parts
                .get(1)
                .context("question index missing (e.g. question:1:mid)")?
                .parse()
                .context("question index")
        };
        Ok(match (parts[0], parts.get(2).copied()) {
            ("lobby", _) => KillAt::Lobby,
            ("question", Some("start")) => KillAt::QuestionStart(q()?),
            ("question", Some("mid") | None) => KillAt::QuestionMid(q()?),
            ("reveal", _) => KillAt::Reveal(q()?),
            ("leaderboard", _) => KillAt::Leaderboard(q()?),
            _ => bail!("unknown --kill-at {s:?}"),
        })
    }
}

/// (player name, answers sent, answers acknowledged), answers as question → (answer id, answer).
type Answered = (
    String,
    BTreeMap<u32, (String, AnswerValue)>,
    BTreeMap<u32, (String, AnswerValue)>,
);

#[derive(Debug, Serialize)]
pub struct FanoutEvent {
    pub label: String,
    pub seq: u64,
    pub deliveries: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Host command sent → the last player received the state.
    pub last_ms: f64,
}

#[derive(Debug, Serialize, Default)]
pub struct Verification {
    pub method: String,
    pub acknowledged: u64,
    pub lost: u64,
    pub duplicates: u64,
    pub score_mismatches: u64,
    pub notes: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct KillReport {
    pub at: String,
    pub instance: usize,
    pub pid: Option<u32>,
    pub players_on_it: usize,
    /// Kill → every player connected to a survivor again.
    pub all_back_ms: f64,
}

#[derive(Debug, Serialize)]
pub struct GameResults {
    pub kind: String,
    pub target: String,
    pub players: usize,
    pub questions: u32,
    pub answer_plan: AnswerPlan,
    pub joined: usize,
    pub join_seconds: f64,
    pub joins_per_second: f64,
    pub join_latency: Summary,
    pub answers_sent: u64,
    pub answers_acked: u64,
    pub answer_ack: Summary,
    pub fanout: Summary,
    pub fanout_events: Vec<FanoutEvent>,
    pub reconnects: usize,
    pub reconnect: Summary,
    pub host_reconnects: usize,
    pub errors: BTreeMap<String, u64>,
    pub failures: u64,
    pub finished: usize,
    pub rss_idle_kib: u64,
    pub rss_connected_kib: u64,
    pub rss_end_kib: u64,
    pub kib_per_player: f64,
    pub cpu_percent_during_questions: BTreeMap<String, f64>,
    pub kill: Option<KillReport>,
    pub verification: Verification,
    pub ack_timeline: Vec<TimePoint>,
    pub fanout_timeline: Vec<TimePoint>,
    pub seconds: f64,
}

struct Run {
    args: GameArgs,
    target: Target,
    shared: Arc<Shared>,
    /// Every player's bot status, by player index (the bot reports into it once it has joined).
    records: Vec<watch::Receiver<BotStatus>>,
    host: Host,
    origins: Vec<(String, u64, Instant)>,
    kill_at: Option<KillAt>,
    kill: Option<KillReport>,
}

pub async fn run_failover(mut args: FailoverArgs) -> anyhow::Result<bool> {
    if args.game.target.cluster.is_none() {
        args.game.target.cluster = Some(2);
    }
    anyhow::ensure!(
        args.game.target.cluster.unwrap_or(0) >= 2,
        "failover needs --cluster 2 or more"
    );
    let kill: KillAt = args.kill_at.parse()?;
    run(args.game, Some(kill)).await
}

pub async fn run(args: GameArgs, kill_at: Option<KillAt>) -> anyhow::Result<bool> {
    anyhow::ensure!(args.questions >= 1, "at least one question");
    anyhow::ensure!(
        args.answer_max_ms < u64::from(args.time_limit) * 1000,
        "--answer-max-ms must be below the time limit"
    );
    if let Some(k) = &kill_at {
        let q = match k {
            KillAt::Lobby => 0,
            KillAt::QuestionStart(q)
            | KillAt::QuestionMid(q)
            | KillAt::Reveal(q)
            | KillAt::Leaderboard(q) => *q,
        };
        anyhow::ensure!(
            q < args.questions,
            "--kill-at names question {q}, the game has {}",
            args.questions
        );
    }
    let target = Target::start(&args.target).await?;
    eprintln!("target: {}", target.description);
    let start = Instant::now();
    let plan = AnswerPlan {
        median_ms: args.answer_median_ms,
        sigma: args.answer_sigma,
        min_ms: args.answer_min_ms,
        max_ms: args.answer_max_ms,
        correct_rate: args.correct_rate,
        no_answer_rate: args.no_answer_rate,
        quiz: LoadQuiz {
            questions: args.questions,
            time_limit_secs: args.time_limit,
            mixed: args.mixed,
        },
    };
    let plan_quiz = plan.quiz;
    let shared = Arc::new(Shared::new(start, args.questions, plan));
    let run_id = &uuid::Uuid::new_v4().simple().to_string()[..8];
    let api = Api::login_or_register(&target.base_url, &format!("host_{run_id}")).await?;
    let quiz_id = api.create_quiz(&plan_quiz.to_json()).await?;
    let (game_id, pin) = api.create_game(&quiz_id).await?;
    eprintln!(
        "game {game_id} (PIN {pin}): {} players, {} questions",
        args.players, args.questions
    );
    let host = Host::new(target.ws_urls.clone(), api.token.clone(), game_id.clone());
    let mut run = Run {
        args,
        target,
        shared,
        records: Vec::new(),
        host,
        origins: Vec::new(),
        kill_at,
        kill: None,
    };
    let outcome = run.play(&api, &game_id, &pin, start).await;
    if let Err(e) = &outcome {
        progress("");
        eprintln!("run failed: {e:#}");
    }
    let results = run
        .results(&api, &game_id, start, outcome.as_ref().ok())
        .await;
    let results = match results {
        Ok(r) => r,
        Err(e) => {
            eprintln!("could not assemble results: {e:#}");
            return Ok(false);
        }
    };
    run.print(&results);
    run.args.output.write_json(&results)?;
    run.charts(&results)?;
    let ok = outcome.is_ok()
        && results.failures == 0
        && results.verification.lost == 0
        && results.verification.duplicates == 0
        && results.verification.score_mismatches == 0;
    if run.args.assert_no_loss && !ok {
        eprintln!("FAILED: errors, lost/duplicated answers or unfinished players (see above)");
    }
    Ok(ok || !run.args.assert_no_loss)
}

/// What the run measured while playing (the sampler keeps running until results are assembled).
struct Played {
    sampler: Arc<Mutex<Sampler>>,
    sampler_task: tokio::task::JoinHandle<()>,
    join_seconds: f64,
    rss_idle: u64,
    rss_connected: u64,
    questions_from: f64,
    questions_to: f64,
}

impl Run {
    fn label(&self, s: &str) -> String {
        s.to_owned()
    }

    async fn play(
        &mut self,
        api: &Api,
        _game_id: &str,
        pin: &str,
        start: Instant,
    ) -> anyhow::Result<Played> {
        let sampler = Arc::new(Mutex::new(Sampler::new(start, self.target.watched())));
        let sampler_task = spawn_sampler(sampler.clone());
        tokio::time::sleep(Duration::from_millis(1200)).await;
        let rss_idle = lock(&sampler).instances_rss_kib();
        self.host.connect().await?;

        // Progress line.
        let shared = self.shared.clone();
        let players = self.args.players;
        let progress_task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tick.tick().await;
                let ack = lock(&shared.ack).summary();
                let errors: u64 = lock(&shared.errors).values().sum();
                progress(&format!(
                    "[game] {:>4.0}s joined {}/{players} connected {} answers {}/{} ack p99 {:.1} ms reconnects {} errors {} finished {}",
                    shared.start.elapsed().as_secs_f64(),
                    shared.welcomed.load(Ordering::Relaxed),
                    shared.connected.load(Ordering::Relaxed),
                    shared.acks.load(Ordering::Relaxed),
                    shared.answers_sent.load(Ordering::Relaxed),
                    ack.p99_ms,
                    lock(&shared.reconnects).len(),
                    errors,
                    shared.finished.load(Ordering::Relaxed),
                ));
            }
        });
        let result = self.play_inner(api, pin, &sampler).await;
        progress_task.abort();
        progress("");
        let (join_seconds, rss_connected, questions_from, questions_to) = result?;
        Ok(Played {
            sampler,
            sampler_task,
            join_seconds,
            rss_idle,
            rss_connected,
            questions_from,
            questions_to,
        })
    }

    async fn play_inner(
        &mut self,
        api: &Api,
        pin: &str,
        sampler: &Arc<Mutex<Sampler>>,
    ) -> anyhow::Result<(f64, u64, f64, f64)> {
        let n = self.args.players;
        // ---- joins: REST join then WebSocket, at the ramp, bounded concurrency ----
        let join_started = Instant::now();
        let sem = Arc::new(Semaphore::new(self.args.join_concurrency.max(1)));
        let http = api::client(self.args.join_concurrency.max(1));
        let period = Duration::from_secs_f64(1.0 / self.args.join_rate.max(0.1));
        let mut statuses = Vec::with_capacity(n);
        for i in 0..n {
            let (tx, rx) = watch::channel(BotStatus {
                name: format!("p{i:05}"),
                ..Default::default()
            });
            statuses.push(tx);
            self.records.push(rx);
        }
        let joiner = {
            let shared = self.shared.clone();
            let urls = self.target.ws_urls.clone();
            let base = api.base.clone();
            let pin = pin.to_owned();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(period);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
                for (i, status) in statuses.into_iter().enumerate() {
                    tick.tick().await;
                    let Ok(permit) = sem.clone().acquire_owned().await else {
                        return;
                    };
                    let http = http.clone();
                    let shared = shared.clone();
                    let urls = urls.clone();
                    let base = base.clone();
                    let pin = pin.clone();
                    tokio::spawn(async move {
                        let t0 = Instant::now();
                        let name = status.borrow().name.clone();
                        let token = join_http(&http, &base, &pin, &name).await;
                        let token = match token {
                            Ok(t) => t,
                            Err(e) => {
                                shared.error(&format!("join: {e}"));
                                status.send_modify(|s| s.gave_up = true);
                                drop(permit);
                                return;
                            }
                        };
                        let mut joined = status.subscribe();
                        crate::player::bot(urls, i, &token, status, shared.clone()).start();
                        if let Ok(s) = joined.wait_for(|s| s.connected || s.gave_up).await
                            && s.connected
                        {
                            lock(&shared.join).record(t0.elapsed());
                        }
                        drop(permit);
                    });
                }
            })
        };
        let join_deadline = Instant::now()
            + Duration::from_secs_f64(n as f64 / self.args.join_rate.max(0.1))
            + Duration::from_secs(90);
        loop {
            self.host.pump(Duration::from_millis(200)).await?;
            let welcomed = self.shared.welcomed.load(Ordering::Relaxed);
            let gave_up = self.records.iter().filter(|r| r.borrow().gave_up).count();
            if welcomed + gave_up >= n && joiner.is_finished() {
                break;
            }
            if Instant::now() > join_deadline {
                bail!("only {welcomed} of {n} players joined in time");
            }
        }
        let join_seconds = join_started.elapsed().as_secs_f64();
        eprintln!(
            "{} players joined in {:.1} s ({:.0}/s)",
            self.shared.welcomed.load(Ordering::Relaxed),
            join_seconds,
            self.shared.welcomed.load(Ordering::Relaxed) as f64 / join_seconds
        );
        let joined = self.shared.welcomed.load(Ordering::Relaxed);
        self.host
            .wait_state("every player in the lobby", Duration::from_secs(60), |s| {
                s.player_count as usize >= joined
            })
            .await?;
        // Let the instances settle, then weigh them.
        self.host.pump(Duration::from_millis(1500)).await?;
        let rss_connected = lock(sampler).instances_rss_kib();
        if self.kill_at == Some(KillAt::Lobby) {
            self.kill_busiest("lobby").await?;
        }

        let questions_from = self.shared.start.elapsed().as_secs_f64();
        let pause = Duration::from_millis(self.args.pause_ms);
        for q in 0..self.args.questions {
            let cmd = if q == 0 {
                ClientMessage::Start
            } else {
                ClientMessage::Next
            };
            let (t0, seq) = self
                .host
                .advance(cmd, "next question", phase(PhaseName::Question, Some(q)))
                .await?;
            self.origins
                .push((self.label(&format!("question {q}")), seq, t0));
            self.wait_deliveries(seq).await?;
            if self.kill_at == Some(KillAt::QuestionStart(q)) {
                self.kill_busiest(&format!("question:{q}:start")).await?;
            }
            if self.kill_at == Some(KillAt::QuestionMid(q)) {
                let expected = (joined as f64 * (1.0 - self.args.no_answer_rate)) as u64;
                let deadline =
                    Instant::now() + Duration::from_secs(u64::from(self.args.time_limit));
                while self.shared.acks_by_question[q as usize].load(Ordering::Relaxed)
                    < expected / 2
                    && Instant::now() < deadline
                {
                    self.host.pump(Duration::from_millis(20)).await?;
                }
                self.kill_busiest(&format!("question:{q}:mid")).await?;
            }
            // Everyone answers → the question closes by itself. Players who do not answer: the host skips
            // once the answer window is over.
            // The window starts when the answers open, after the question's "get ready" countdown.
            let lead_in = self
                .host
                .state
                .as_ref()
                .and_then(|s| s.question.as_ref())
                .map_or(0, |q| q.opens_in_ms);
            let window = Duration::from_millis(lead_in + self.args.answer_max_ms + 1500);
            let opened = Instant::now();
            let reveal = phase(PhaseName::Reveal, Some(q));
            while !self.host.state.as_ref().is_some_and(reveal) && opened.elapsed() < window {
                self.host.pump(Duration::from_millis(50)).await?;
            }
            if !self.host.state.as_ref().is_some_and(reveal) {
                let (t0, seq) = self
                    .host
                    .advance(
                        ClientMessage::Skip {
                            question_index: Some(q),
                        },
                        "reveal",
                        reveal,
                    )
                    .await?;
                self.origins.push((format!("skip {q}"), seq, t0));
            }
            let seq = self.host.state.as_ref().map_or(0, |s| s.seq);
            self.wait_deliveries(seq).await?;
            if self.kill_at == Some(KillAt::Reveal(q)) {
                self.kill_busiest(&format!("reveal:{q}")).await?;
            }
            self.host.pump(pause).await?;
            let (t0, seq) = self
                .host
                .advance(
                    ClientMessage::Next,
                    "leaderboard",
                    phase(PhaseName::Leaderboard, None),
                )
                .await?;
            self.origins.push((format!("leaderboard {q}"), seq, t0));
            self.wait_deliveries(seq).await?;
            if self.kill_at == Some(KillAt::Leaderboard(q)) {
                self.kill_busiest(&format!("leaderboard:{q}")).await?;
            }
            self.host.pump(pause).await?;
        }
        let (t0, seq) = self
            .host
            .advance(
                ClientMessage::Next,
                "podium",
                phase(PhaseName::Podium, None),
            )
            .await?;
        self.origins.push(("podium".into(), seq, t0));
        let questions_to = self.shared.start.elapsed().as_secs_f64();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let done = self
                .records
                .iter()
                .filter(|r| {
                    let r = r.borrow();
                    r.finished || r.gave_up
                })
                .count();
            if done >= n {
                break;
            }
            if Instant::now() > deadline {
                eprintln!("{} of {n} players did not reach the podium", n - done);
                break;
            }
            self.host.pump(Duration::from_millis(100)).await?;
        }
        Ok((join_seconds, rss_connected, questions_from, questions_to))
    }

    /// Waits until every connected player has received `seq` (or 30 s), reading host messages meanwhile.
    async fn wait_deliveries(&mut self, seq: u64) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let got = lock(&self.shared.deliveries).get(&seq).map_or(0, Vec::len);
            let expected = self
                .records
                .iter()
                .filter(|r| {
                    let r = r.borrow();
                    !r.gave_up && !r.finished
                })
                .count();
            if got >= expected || Instant::now() > deadline {
                return Ok(());
            }
            self.host.pump(Duration::from_millis(10)).await?;
        }
    }

    /// SIGKILLs the instance holding the most player sockets and waits until every player is back.
    async fn kill_busiest(&mut self, at: &str) -> anyhow::Result<()> {
        let pids = self.target.instance_pids();
        anyhow::ensure!(
            !pids.is_empty(),
            "--kill-at needs a local cluster (--cluster N)"
        );
        let mut counts: HashMap<usize, usize> = HashMap::new();
        for r in &self.records {
            let r = r.borrow();
            if let Some(i) = r
                .instance
                .as_ref()
                .and_then(|s| s.parse::<u32>().ok())
                .and_then(|pid| pids.iter().position(|p| *p == Some(pid)))
                && r.connected
            {
                *counts.entry(i).or_default() += 1;
            }
        }
        let (victim, on_it) = counts
            .into_iter()
            .max_by_key(|(_, c)| *c)
            .context("no player is connected")?;
        let pid = pids[victim];
        let pid_s = pid.map(|p| p.to_string());
        eprintln!("SIGKILL instance {victim} (pid {pid:?}, {on_it} player sockets) at {at}");
        let killed_at = Instant::now();
        if let Some(c) = self.target.cluster.as_mut() {
            c.kill_instance(victim);
        }
        if self.host.instance == pid_s {
            self.host.drop_connection();
        }
        let deadline = killed_at + Duration::from_secs(60);
        loop {
            let back = self.records.iter().all(|r| {
                let r = r.borrow();
                r.gave_up || r.finished || (r.connected && r.instance != pid_s)
            });
            if back {
                break;
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "players did not come back within 60 s"
            );
            self.host.pump(Duration::from_millis(20)).await?;
        }
        let all_back_ms = killed_at.elapsed().as_secs_f64() * 1000.0;
        eprintln!("every player reconnected {all_back_ms:.0} ms after the kill");
        self.kill = Some(KillReport {
            at: at.to_owned(),
            instance: victim,
            pid,
            players_on_it: on_it,
            all_back_ms,
        });
        Ok(())
    }

    async fn results(
        &mut self,
        api: &Api,
        game_id: &str,
        start: Instant,
        played: Option<&Played>,
    ) -> anyhow::Result<GameResults> {
        let verification = match self.verify(api, game_id).await {
            Ok(v) => v,
            Err(e) => Verification {
                method: "failed".into(),
                notes: vec![format!("verification failed: {e:#}")],
                lost: 1,
                ..Default::default()
            },
        };
        // Fan-out: host command sent → each player's arrival of the resulting state.
        let mut fanout = Series::new(start);
        let mut events = Vec::new();
        {
            let deliveries = lock(&self.shared.deliveries);
            for (label, seq, t0) in &self.origins {
                let Some(arrivals) = deliveries.get(seq) else {
                    continue;
                };
                let mut one = Series::new(start);
                for at in arrivals {
                    let l = at.saturating_duration_since(*t0);
                    one.record_at(l, *at);
                    fanout.record_at(l, *at);
                }
                let s = one.summary();
                events.push(FanoutEvent {
                    label: label.clone(),
                    seq: *seq,
                    deliveries: arrivals.len(),
                    p50_ms: s.p50_ms,
                    p99_ms: s.p99_ms,
                    last_ms: s.max_ms,
                });
            }
        }
        let reconnects = lock(&self.shared.reconnects).clone();
        let errors = lock(&self.shared.errors).clone();
        // Refusals that are part of the protocol (an answer that raced the close) are not failures.
        let failures: u64 = errors
            .iter()
            .filter(|(k, _)| !k.ends_with("question_closed"))
            .map(|(_, v)| v)
            .sum::<u64>()
            + self.records.iter().filter(|r| !r.borrow().finished).count() as u64;
        let joined = self.shared.welcomed.load(Ordering::Relaxed);
        let (rss_idle, rss_connected, rss_end, cpu, join_seconds) = match played {
            Some(p) => {
                let mut s = lock(&p.sampler);
                s.sample();
                let rss_end = s.instances_rss_kib();
                let cpu = s.mean_cpu(p.questions_from, p.questions_to);
                (p.rss_idle, p.rss_connected, rss_end, cpu, p.join_seconds)
            }
            None => (0, 0, 0, BTreeMap::new(), 0.0),
        };
        if let Some(p) = played {
            p.sampler_task.abort();
        }
        let ack = lock(&self.shared.ack);
        Ok(GameResults {
            kind: if self.kill_at.is_some() {
                "failover"
            } else {
                "game"
            }
            .into(),
            target: self.target.description.clone(),
            players: self.args.players,
            questions: self.args.questions,
            answer_plan: self.shared.plan.clone(),
            joined,
            join_seconds,
            joins_per_second: joined as f64 / join_seconds.max(0.001),
            join_latency: lock(&self.shared.join).summary(),
            answers_sent: self.shared.answers_sent.load(Ordering::Relaxed),
            answers_acked: self.shared.acks.load(Ordering::Relaxed),
            answer_ack: ack.summary(),
            fanout: fanout.summary(),
            fanout_events: events,
            reconnects: reconnects.len(),
            reconnect: Summary::of_durations(&reconnects),
            host_reconnects: self.host.reconnects.len(),
            errors,
            failures,
            finished: self.shared.finished.load(Ordering::Relaxed),
            rss_idle_kib: rss_idle,
            rss_connected_kib: rss_connected,
            rss_end_kib: rss_end,
            kib_per_player: rss_connected.saturating_sub(rss_idle) as f64 / (joined.max(1) as f64),
            cpu_percent_during_questions: cpu,
            kill: self.kill.take(),
            verification,
            ack_timeline: ack.timeline(),
            fanout_timeline: fanout.timeline(),
            seconds: start.elapsed().as_secs_f64(),
        })
    }

    /// Every acknowledged answer must be stored exactly once with the acknowledged choice, and scores
    /// must equal the sum of the stored answers' points. Against the live store when it is reachable
    /// (Valkey), otherwise against the stored results (`GET /api/games/{id}`).
    async fn verify(&self, api: &Api, game_id: &str) -> anyhow::Result<Verification> {
        let mut v = Verification::default();
        let podium: HashMap<String, u64> = self
            .host
            .state
            .as_ref()
            .and_then(|s| s.standings.as_ref())
            .map(|rows| rows.iter().map(|r| (r.nickname.clone(), r.score)).collect())
            .unwrap_or_default();
        let records: Vec<Answered> = self
            .records
            .iter()
            .map(|r| {
                let r = r.borrow();
                (r.name.clone(), r.sent.clone(), r.acks.clone())
            })
            .collect();
        v.acknowledged = records.iter().map(|r| r.2.len() as u64).sum();
        if let Some(url) = &self.target.live_url {
            v.method =
                "live store (every acknowledged answer by player, answer id and answer)".into();
            let mut live = crate::live_check::LiveReader::connect(url).await?;
            let players = live.players(game_id).await?;
            let id_of: HashMap<&str, &str> = players
                .iter()
                .map(|p| (p.nickname.as_str(), p.id.as_str()))
                .collect();
            let mut points: HashMap<String, u64> = HashMap::new();
            for q in 0..self.args.questions {
                let stored = live.answers(game_id, q).await?;
                for (name, sent, acks) in &records {
                    let Some(pid) = id_of.get(name.as_str()) else {
                        if acks.contains_key(&q) {
                            v.lost += 1;
                        }
                        continue;
                    };
                    let got = stored.get(*pid);
                    if let Some(a) = got {
                        *points.entry(name.clone()).or_default() += u64::from(a.points);
                        if sent.get(&q).is_none_or(|(id, _)| *id != a.answer_id) {
                            v.duplicates += 1;
                            v.notes.push(format!(
                                "{name} q{q}: stored answer {} was never sent",
                                a.answer_id
                            ));
                        }
                    }
                    if let Some((id, value)) = acks.get(&q) {
                        match got {
                            Some(a)
                                if a.answer_id == *id
                                    && serde_json::to_value(value).ok().as_ref()
                                        == Some(&a.value) => {}
                            _ => {
                                v.lost += 1;
                                if v.notes.len() < 20 {
                                    v.notes
                                        .push(format!("{name} q{q}: acknowledged {id} not stored"));
                                }
                            }
                        }
                    }
                }
            }
            for p in &players {
                let id = &p.id;
                let expected = points.get(&p.nickname).copied().unwrap_or(0);
                if p.score != expected {
                    v.score_mismatches += 1;
                    v.notes.push(format!(
                        "{} ({id}): score {} ≠ Σ stored points {expected}",
                        p.nickname, p.score
                    ));
                }
                if let Some(s) = podium.get(&p.nickname)
                    && *s != p.score
                {
                    v.score_mismatches += 1;
                }
            }
        } else {
            v.method =
                "stored results (every acknowledged answer by player and answer, scores = Σ points)"
                    .into();
            let res: Value = api.results(game_id, Duration::from_secs(60)).await?;
            let players = res["players"].as_array().cloned().unwrap_or_default();
            let id_of: HashMap<&str, &str> = players
                .iter()
                .filter_map(|p| Some((p["nickname"].as_str()?, p["player_id"].as_str()?)))
                .collect();
            let score_of: HashMap<&str, u64> = players
                .iter()
                .filter_map(|p| Some((p["player_id"].as_str()?, p["score"].as_u64()?)))
                .collect();
            let questions = res["questions"].as_array().cloned().unwrap_or_default();
            let mut points: HashMap<&str, u64> = HashMap::new();
            let mut stored: Vec<HashMap<&str, &Value>> = Vec::new();
            for q in &questions {
                let mut by_player = HashMap::new();
                for a in q["player_answers"].as_array().into_iter().flatten() {
                    if let Some(pid) = a["player_id"].as_str() {
                        by_player.insert(pid, a);
                        *points.entry(pid).or_default() += a["points"].as_u64().unwrap_or(0);
                    }
                }
                stored.push(by_player);
            }
            for (name, sent, acks) in &records {
                let pid = id_of.get(name.as_str()).copied().unwrap_or_default();
                for q in 0..self.args.questions {
                    let got = stored.get(q as usize).and_then(|m| m.get(pid));
                    match (got, acks.contains_key(&q), sent.contains_key(&q)) {
                        (None, true, _) => {
                            v.lost += 1;
                            if v.notes.len() < 20 {
                                v.notes
                                    .push(format!("{name} q{q}: acknowledged, not stored"));
                            }
                        }
                        (Some(_), _, false) => {
                            v.duplicates += 1;
                            v.notes.push(format!("{name} q{q}: stored but never sent"));
                        }
                        _ => {}
                    }
                }
                let score = score_of.get(pid).copied().unwrap_or(0);
                if score != points.get(pid).copied().unwrap_or(0) {
                    v.score_mismatches += 1;
                    v.notes
                        .push(format!("{name}: score {score} ≠ Σ stored points"));
                }
                if let Some(s) = podium.get(name)
                    && *s != score
                {
                    v.score_mismatches += 1;
                }
            }
        }
        Ok(v)
    }

    fn print(&self, r: &GameResults) {
        eprintln!("---- {} ----", r.kind);
        eprintln!("target:        {}", r.target);
        eprintln!(
            "players:       {} joined of {}, {:.0} joins/s; join (REST + WebSocket) {}",
            r.joined,
            r.players,
            r.joins_per_second,
            r.join_latency.line()
        );
        eprintln!(
            "answers:       {} sent, {} acknowledged",
            r.answers_sent, r.answers_acked
        );
        eprintln!("answer ack:    {}", r.answer_ack.line());
        eprintln!("fan-out:       {}", r.fanout.line());
        for e in &r.fanout_events {
            eprintln!(
                "   {:<14} seq {:<6} {:>6} deliveries  p50 {:>7.1} ms  p99 {:>7.1} ms  last {:>7.1} ms",
                e.label, e.seq, e.deliveries, e.p50_ms, e.p99_ms, e.last_ms
            );
        }
        eprintln!(
            "reconnects:    {} (host {}); {}",
            r.reconnects,
            r.host_reconnects,
            r.reconnect.line()
        );
        if let Some(k) = &r.kill {
            eprintln!(
                "kill:          instance {} (pid {:?}, {} players) at {}; all back after {:.0} ms",
                k.instance, k.pid, k.players_on_it, k.at, k.all_back_ms
            );
        }
        eprintln!(
            "memory:        instances {} KiB idle → {} KiB connected → {:.1} KiB per player",
            r.rss_idle_kib, r.rss_connected_kib, r.kib_per_player
        );
        let cpu: Vec<String> = r
            .cpu_percent_during_questions
            .iter()
            .map(|(k, v)| format!("{k} {v:.0}%"))
            .collect();
        eprintln!("CPU (questions, % of one core): {}", cpu.join(", "));
        eprintln!(
            "verification:  {}: {} acknowledged, {} lost, {} duplicates, {} score mismatches",
            r.verification.method,
            r.verification.acknowledged,
            r.verification.lost,
            r.verification.duplicates,
            r.verification.score_mismatches
        );
        for n in r.verification.notes.iter().take(10) {
            eprintln!("   {n}");
        }
        eprintln!(
            "errors:        {:?}; finished {}/{}",
            r.errors, r.finished, r.players
        );
    }

    fn charts(&self, r: &GameResults) -> anyhow::Result<()> {
        let Some(dir) = self.args.output.svg_dir() else {
            return Ok(());
        };
        let prefix = self.args.output.prefix(&r.kind);
        let title = format!("{} players, {}", r.players, short(&r.target));
        let ack_tl = &r.ack_timeline;
        let fan_tl = &r.fanout_timeline;
        charts::lines(
            &dir.join(format!("{prefix}-latency.svg")),
            &format!("Latency over time — {title}"),
            "seconds since start",
            "latency (ms)",
            &[
                (
                    "answer ack p99".into(),
                    ack_tl.iter().map(|t| (t.second as f64, t.p99_ms)).collect(),
                ),
                (
                    "answer ack p50".into(),
                    ack_tl.iter().map(|t| (t.second as f64, t.p50_ms)).collect(),
                ),
                (
                    "fan-out p99".into(),
                    fan_tl.iter().map(|t| (t.second as f64, t.p99_ms)).collect(),
                ),
                (
                    "fan-out max".into(),
                    fan_tl.iter().map(|t| (t.second as f64, t.max_ms)).collect(),
                ),
            ],
        )?;
        let joins = lock(&self.shared.join).timeline();
        charts::lines(
            &dir.join(format!("{prefix}-throughput.svg")),
            &format!("Throughput over time — {title}"),
            "seconds since start",
            "per second",
            &[
                (
                    "joins/s".into(),
                    joins
                        .iter()
                        .map(|t| (t.second as f64, t.count as f64))
                        .collect(),
                ),
                (
                    "answers acked/s".into(),
                    ack_tl
                        .iter()
                        .map(|t| (t.second as f64, t.count as f64))
                        .collect(),
                ),
            ],
        )?;
        let mut dist = vec![(
            "answer ack".to_owned(),
            lock(&self.shared.ack).distribution(),
        )];
        let mut fan = Series::new(self.shared.start);
        {
            let deliveries = lock(&self.shared.deliveries);
            for (_, seq, t0) in &self.origins {
                for at in deliveries.get(seq).into_iter().flatten() {
                    fan.record_at(at.saturating_duration_since(*t0), *at);
                }
            }
        }
        dist.push(("fan-out".into(), fan.distribution()));
        dist.push(("join".into(), lock(&self.shared.join).distribution()));
        charts::distribution(
            &dir.join(format!("{prefix}-distribution.svg")),
            &format!("Latency distribution — {title}"),
            &dist,
        )?;
        eprintln!("charts written to {}", dir.display());
        Ok(())
    }
}

fn short(target: &str) -> String {
    target
        .split(" (")
        .next()
        .unwrap_or(target)
        .split(':')
        .next()
        .unwrap_or(target)
        .to_owned()
}

async fn join_http(
    http: &reqwest::Client,
    base: &str,
    pin: &str,
    name: &str,
) -> anyhow::Result<String> {
    let mut delay = Duration::from_millis(100);
    for attempt in 0..5 {
        let res = http
            .post(format!("{base}/api/play/join"))
            .json(&serde_json::json!({"pin": pin, "nickname": name}))
            .send()
            .await;
        match res {
            Ok(r) if r.status().is_success() => {
                let v: Value = r.json().await?;
                return Ok(v["player_token"]
                    .as_str()
                    .context("player_token")?
                    .to_owned());
            }
            Ok(r) if r.status().is_server_error() && attempt < 4 => {}
            Ok(r) => bail!("{}", r.status()),
            Err(_) if attempt < 4 => {}
            Err(e) => return Err(e.into()),
        }
        tokio::time::sleep(delay).await;
        delay *= 2;
    }
    bail!("join failed")
}
