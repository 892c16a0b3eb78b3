//! The durable-store contract: one suite of generic checks over `&dyn DurableStore`, run against every
//! backend. Adding a backend = one more `durable_contract!` line at the bottom.

use cahoot_game::sample_quiz;
use cahoot_server::durable::{
    DurableStore, FinishedGame, ImageQuota, ImageUsage, NewImage, NewUser, PlayerResult, PutImage,
    QuestionStats, RefreshFamily, Rotation, StoreError, User,
};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

/// A store plus whatever keeps it alive (temp dir, server process).
pub struct Backend {
    pub store: Arc<dyn DurableStore>,
    _guard: Box<dyn std::any::Any + Send>,
}

async fn sqlite() -> Backend {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}",
        dir.path().join("nested/dir/test.db").display()
    );
    let store = cahoot_server::durable::connect(&url).await.unwrap();
    Backend {
        store,
        _guard: Box::new(dir),
    }
}

fn t0() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
}

async fn user(store: &dyn DurableStore, name: &str) -> User {
    store
        .create_user(NewUser {
            id: Uuid::new_v4(),
            username: name,
            password_hash: "$argon2id$hash",
            now: t0(),
        })
        .await
        .unwrap()
}

fn family(user: &User, created_at: OffsetDateTime, lifetime: time::Duration) -> RefreshFamily {
    RefreshFamily {
        id: Uuid::new_v4(),
        user_id: user.id,
        created_at,
        expires_at: created_at + lifetime,
    }
}

const DAY: Duration = Duration::from_secs(86_400);

fn game(owner: Uuid, quiz: Uuid, finished_at: OffsetDateTime) -> FinishedGame {
    FinishedGame {
        id: Uuid::new_v4(),
        owner_id: owner,
        quiz_id: quiz,
        quiz_title: "Trivia".into(),
        pin: "042042".into(),
        started_at: finished_at - time::Duration::minutes(5),
        finished_at,
        questions: vec![QuestionStats {
            index: 0,
            text: "2 + 2?".into(),
            answers: vec!["3".into(), "4".into()],
            correct: 1,
            counts: vec![1, 2],
            answered: 3,
            correct_count: 2,
            ..Default::default()
        }],
        players: vec![
            PlayerResult {
                player_id: "p2".into(),
                nickname: "Zed".into(),
                rank: 1,
                score: 1900,
                correct_count: 2,
                pupil_id: Some("Zimmermann Zoë 5b".into()),
            },
            PlayerResult {
                player_id: "p1".into(),
                nickname: "Amy".into(),
                rank: 2,
                score: 950,
                correct_count: 1,
                pupil_id: None,
            },
        ],
    }
}

// ---- the contract ----

pub async fn answers_ping(store: &dyn DurableStore) {
    store.ping().await.unwrap();
}

pub async fn usernames_are_unique_case_insensitively(store: &dyn DurableStore) {
    let ada = user(store, "Ada").await;
    let again = store
        .create_user(NewUser {
            id: Uuid::new_v4(),
            username: "ADA",
            password_hash: "x",
            now: t0(),
        })
        .await;
    assert!(matches!(again, Err(StoreError::Conflict)), "{again:?}");
    let found = store.user_by_name("aDa").await.unwrap().unwrap();
    assert_eq!(found, ada);
    assert_eq!(found.username, "Ada");
    assert_eq!(store.user_by_id(ada.id).await.unwrap().unwrap(), ada);
    assert!(store.user_by_name("grace").await.unwrap().is_none());
    assert!(store.user_by_id(Uuid::new_v4()).await.unwrap().is_none());
}

pub async fn a_password_change_moves_valid_after(store: &dyn DurableStore) {
    let ada = user(store, "ada").await;
    assert_eq!(ada.valid_after, t0());
    let later = t0() + time::Duration::milliseconds(1234);
    store.set_password(ada.id, "$new", later).await.unwrap();
    let ada = store.user_by_id(ada.id).await.unwrap().unwrap();
    assert_eq!(ada.password_hash, "$new");
    assert_eq!(ada.valid_after, later);
    let missing = store.set_password(Uuid::new_v4(), "$x", later).await;
    assert!(matches!(missing, Err(StoreError::NotFound)));
}

pub async fn a_refresh_token_rotates_exactly_once(store: &dyn DurableStore) {
    let ada = user(store, "ada").await;
    let fam = family(&ada, t0(), time::Duration::days(14));
    store.create_refresh_family(&fam, b"token-a").await.unwrap();
    let now = t0() + time::Duration::hours(1);
    let rotated = store
        .rotate_refresh_token(b"token-a", b"token-b", now, DAY)
        .await
        .unwrap();
    assert_eq!(rotated, Rotation::Rotated(fam.clone()));
    let next = store
        .rotate_refresh_token(b"token-b", b"token-c", now, DAY)
        .await
        .unwrap();
    assert_eq!(next, Rotation::Rotated(fam));
    let unknown = store
        .rotate_refresh_token(b"never-issued", b"token-x", now, DAY)
        .await
        .unwrap();
    assert_eq!(unknown, Rotation::Unknown);
}

pub async fn reusing_a_refresh_token_revokes_its_family(store: &dyn DurableStore) {
    let ada = user(store, "ada").await;
    let fam = family(&ada, t0(), time::Duration::days(14));
    store.create_refresh_family(&fam, b"a").await.unwrap();
    let now = t0() + time::Duration::minutes(1);
    store
        .rotate_refresh_token(b"a", b"b", now, DAY)
        .await
        .unwrap();
    let reuse = store
        .rotate_refresh_token(b"a", b"x", now, DAY)
        .await
        .unwrap();
    assert_eq!(
        reuse,
        Rotation::Reused {
            family_id: fam.id,
            user_id: ada.id
        }
    );
    let current = store
        .rotate_refresh_token(b"b", b"c", now, DAY)
        .await
        .unwrap();
    assert_eq!(current, Rotation::Revoked);
}

pub async fn an_idle_refresh_token_expires(store: &dyn DurableStore) {
    let ada = user(store, "ada").await;
    let fam = family(&ada, t0(), time::Duration::days(14));
    store.create_refresh_family(&fam, b"a").await.unwrap();
    let idle_later = t0() + time::Duration::days(3);
    let outcome = store
        .rotate_refresh_token(b"a", b"b", idle_later, 2 * DAY)
        .await
        .unwrap();
    assert_eq!(outcome, Rotation::Expired);
    // an expired family stays dead
    let again = store
        .rotate_refresh_token(b"a", b"c", t0(), 2 * DAY)
        .await
        .unwrap();
    assert_eq!(again, Rotation::Revoked);
}

pub async fn a_family_expires_at_its_absolute_limit(store: &dyn DurableStore) {
    let ada = user(store, "ada").await;
    let fam = family(&ada, t0(), time::Duration::days(2));
    store.create_refresh_family(&fam, b"t0").await.unwrap();
    // keep it busy: one rotation a day, never idle
    let mut token = b"t0".to_vec();
    for day in 1..=2 {
        let next = format!("t{day}").into_bytes();
        let now = t0() + time::Duration::days(day) - time::Duration::minutes(1);
        let outcome = store
            .rotate_refresh_token(&token, &next, now, 2 * DAY)
            .await
            .unwrap();
        assert_eq!(outcome, Rotation::Rotated(fam.clone()), "day {day}");
        token = next;
    }
    let past = t0() + time::Duration::days(2) + time::Duration::minutes(1);
    let outcome = store
        .rotate_refresh_token(&token, b"late", past, 2 * DAY)
        .await
        .unwrap();
    assert_eq!(outcome, Rotation::Expired);
}

pub async fn revoked_families_refuse_refresh(store: &dyn DurableStore) {
    let ada = user(store, "ada").await;
    let now = t0() + time::Duration::minutes(1);
    let (one, two, three) = (
        family(&ada, t0(), time::Duration::days(14)),
        family(&ada, t0(), time::Duration::days(14)),
        family(&ada, t0(), time::Duration::days(14)),
    );
    store.create_refresh_family(&one, b"one").await.unwrap();
    store.create_refresh_family(&two, b"two").await.unwrap();
    store.create_refresh_family(&three, b"three").await.unwrap();

    assert_eq!(
        store.revoke_refresh_family_of(b"one").await.unwrap(),
        Some(one.id)
    );
    assert_eq!(
        store.revoke_refresh_family_of(b"unknown").await.unwrap(),
        None
    );
    let outcome = store
        .rotate_refresh_token(b"one", b"x", now, DAY)
        .await
        .unwrap();
    assert_eq!(outcome, Rotation::Revoked);

    store.revoke_refresh_family(two.id).await.unwrap();
    let outcome = store
        .rotate_refresh_token(b"two", b"y", now, DAY)
        .await
        .unwrap();
    assert_eq!(outcome, Rotation::Revoked);

    store.revoke_all_refresh_families(ada.id).await.unwrap();
    let outcome = store
        .rotate_refresh_token(b"three", b"z", now, DAY)
        .await
        .unwrap();
    assert_eq!(outcome, Rotation::Revoked);
}

pub async fn families_older_than_valid_after_are_void(store: &dyn DurableStore) {
    let ada = user(store, "ada").await;
    let fam = family(&ada, t0(), time::Duration::days(14));
    store.create_refresh_family(&fam, b"a").await.unwrap();
    store
        .set_password(ada.id, "$new", t0() + time::Duration::seconds(1))
        .await
        .unwrap();
    let now = t0() + time::Duration::minutes(1);
    let outcome = store
        .rotate_refresh_token(b"a", b"b", now, DAY)
        .await
        .unwrap();
    assert_eq!(outcome, Rotation::Revoked);
}

pub async fn quizzes_round_trip_for_their_owner(store: &dyn DurableStore) {
    let ada = user(store, "ada").await;
    let input = sample_quiz();
    let quiz = store.create_quiz(ada.id, &input, t0()).await.unwrap();
    assert_eq!(quiz.owner_id, ada.id);
    assert_eq!(quiz.input(), input);
    assert_eq!((quiz.created_at, quiz.updated_at), (t0(), t0()));
    assert_eq!(store.get_quiz(ada.id, quiz.id).await.unwrap(), quiz);

    let mut changed = input.clone();
    changed.title = "Renamed".into();
    changed.questions.reverse();
    let later = t0() + time::Duration::minutes(3);
    let replaced = store
        .replace_quiz(ada.id, quiz.id, &changed, later)
        .await
        .unwrap();
    assert_eq!(replaced.input(), changed);
    assert_eq!((replaced.created_at, replaced.updated_at), (t0(), later));
    assert_eq!(store.get_quiz(ada.id, quiz.id).await.unwrap(), replaced);

    store.delete_quiz(ada.id, quiz.id).await.unwrap();
    assert!(matches!(
        store.get_quiz(ada.id, quiz.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.delete_quiz(ada.id, quiz.id).await,
        Err(StoreError::NotFound)
    ));
}

pub async fn quizzes_are_listed_newest_first_with_question_counts(store: &dyn DurableStore) {
    let ada = user(store, "ada").await;
    let mut small = sample_quiz();
    small.questions.truncate(1);
    let old = store.create_quiz(ada.id, &small, t0()).await.unwrap();
    let new = store
        .create_quiz(ada.id, &sample_quiz(), t0() + time::Duration::seconds(5))
        .await
        .unwrap();
    let list = store.list_quizzes(ada.id).await.unwrap();
    let ids: Vec<_> = list.iter().map(|q| q.id).collect();
    assert_eq!(ids, [new.id, old.id]);
    assert_eq!(list[0].question_count, 4);
    assert_eq!(list[1].question_count, 1);
    assert_eq!(list[1].title, small.title);
}

pub async fn another_owners_quiz_behaves_as_missing(store: &dyn DurableStore) {
    let ada = user(store, "ada").await;
    let grace = user(store, "grace").await;
    let quiz = store
        .create_quiz(ada.id, &sample_quiz(), t0())
        .await
        .unwrap();
    let nf = |r: Result<_, StoreError>| matches!(r, Err(StoreError::NotFound));
    assert!(nf(store.get_quiz(grace.id, quiz.id).await.map(drop)));
    assert!(nf(store
        .replace_quiz(grace.id, quiz.id, &sample_quiz(), t0())
        .await
        .map(drop)));
    assert!(nf(store
        .duplicate_quiz(grace.id, quiz.id, t0())
        .await
        .map(drop)));
    assert!(nf(store.delete_quiz(grace.id, quiz.id).await));
    assert!(store.list_quizzes(grace.id).await.unwrap().is_empty());
    assert_eq!(store.get_quiz(ada.id, quiz.id).await.unwrap(), quiz);
}

pub async fn a_duplicate_is_a_new_quiz_with_a_copy_title(store: &dyn DurableStore) {
    let ada = user(store, "ada").await;
    let quiz = store
        .create_quiz(ada.id, &sample_quiz(), t0())
        .await
        .unwrap();
    let later = t0() + time::Duration::minutes(1);
    let copy = store.duplicate_quiz(ada.id, quiz.id, later).await.unwrap();
    assert_ne!(copy.id, quiz.id);
    assert_eq!(copy.title, format!("{} (copy)", quiz.title));
    assert_eq!(copy.questions, quiz.questions);
    assert_eq!(copy.created_at, later);
    assert_eq!(store.list_quizzes(ada.id).await.unwrap().len(), 2);
}

pub async fn a_finished_game_is_stored_once(store: &dyn DurableStore) {
    let ada = user(store, "ada").await;
    let g = game(ada.id, Uuid::new_v4(), t0());
    assert!(!store.has_game(g.id).await.unwrap());
    assert!(store.save_finished_game(&g).await.unwrap());
    assert!(store.has_game(g.id).await.unwrap());
    let mut retry = g.clone();
    retry.finished_at = t0() + time::Duration::seconds(30);
    assert!(!store.save_finished_game(&retry).await.unwrap());
    assert_eq!(store.get_game(ada.id, g.id).await.unwrap(), g);
    let list = store.list_games(ada.id).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].player_count, 2);
    assert_eq!(list[0].finished_at, t0());
}

pub async fn finished_games_are_owner_scoped_and_newest_first(store: &dyn DurableStore) {
    let ada = user(store, "ada").await;
    let grace = user(store, "grace").await;
    let older = game(ada.id, Uuid::new_v4(), t0());
    let newer = game(ada.id, Uuid::new_v4(), t0() + time::Duration::hours(1));
    store.save_finished_game(&older).await.unwrap();
    store.save_finished_game(&newer).await.unwrap();
    let ids: Vec<_> = store
        .list_games(ada.id)
        .await
        .unwrap()
        .iter()
        .map(|g| g.id)
        .collect();
    assert_eq!(ids, [newer.id, older.id]);
    assert!(store.list_games(grace.id).await.unwrap().is_empty());
    assert!(matches!(
        store.get_game(grace.id, older.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.get_game(ada.id, Uuid::new_v4()).await,
        Err(StoreError::NotFound)
    ));
}

pub async fn a_quizs_games_are_listed_oldest_first_owner_scoped_and_limited(
    store: &dyn DurableStore,
) {
    let ada = user(store, "ada").await;
    let grace = user(store, "grace").await;
    let quiz = Uuid::new_v4();
    let games: Vec<FinishedGame> = (0..3)
        .map(|i| game(ada.id, quiz, t0() + time::Duration::hours(i)))
        .collect();
    // Stored out of order, next to another quiz's game and another owner's game of the same quiz id.
    for g in [&games[2], &games[0], &games[1]] {
        store.save_finished_game(g).await.unwrap();
    }
    store
        .save_finished_game(&game(ada.id, Uuid::new_v4(), t0()))
        .await
        .unwrap();
    store
        .save_finished_game(&game(grace.id, quiz, t0()))
        .await
        .unwrap();
    let listed = store.list_quiz_games(ada.id, quiz, 10).await.unwrap();
    assert_eq!(listed, games, "oldest first, with players and statistics");
    assert_eq!(
        listed[0].players[0].pupil_id.as_deref(),
        Some("Zimmermann Zoë 5b")
    );
    let recent: Vec<Uuid> = store
        .list_quiz_games(ada.id, quiz, 2)
        .await
        .unwrap()
        .iter()
        .map(|g| g.id)
        .collect();
    assert_eq!(recent, [games[1].id, games[2].id], "the most recent two");
    assert_eq!(
        store
            .list_quiz_games(grace.id, quiz, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        store
            .list_quiz_games(ada.id, Uuid::new_v4(), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn a_game_of_a_deleted_host_is_still_stored(store: &dyn DurableStore) {
    // The copy to the durable store is retried until stored; it must not fail for ever.
    let g = game(Uuid::new_v4(), Uuid::new_v4(), t0());
    assert!(store.save_finished_game(&g).await.unwrap());
}

pub async fn deleting_a_user_removes_their_data(store: &dyn DurableStore) {
    let ada = user(store, "ada").await;
    let quiz = store
        .create_quiz(ada.id, &sample_quiz(), t0())
        .await
        .unwrap();
    let g = game(ada.id, quiz.id, t0());
    store.save_finished_game(&g).await.unwrap();
    let fam = family(&ada, t0(), time::Duration::days(1));
    store.create_refresh_family(&fam, b"a").await.unwrap();
    store.delete_user(ada.id).await.unwrap();
    assert!(store.user_by_id(ada.id).await.unwrap().is_none());
    assert!(matches!(
        store.get_quiz(ada.id, quiz.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.get_game(ada.id, g.id).await,
        Err(StoreError::NotFound)
    ));
    let outcome = store
        .rotate_refresh_token(b"a", b"b", t0(), DAY)
        .await
        .unwrap();
    assert_eq!(outcome, Rotation::Unknown);
    // the name is free again
    user(store, "ADA").await;
}

/// Two refreshes with the same token at the same moment (the victim and a thief on two instances): exactly
/// one rotates, the other is reuse and revokes the family. Raced over many rounds, since one overlap
/// proves little.
pub async fn concurrent_refreshes_of_one_token_rotate_it_once(store: &dyn DurableStore) {
    let ada = user(store, "ada").await;
    let now = t0() + time::Duration::minutes(1);
    for round in 0..20u8 {
        let fam = family(&ada, t0(), time::Duration::days(14));
        let token = [b't', round];
        store.create_refresh_family(&fam, &token).await.unwrap();
        let (next_a, next_b) = ([b'a', round], [b'b', round]);
        let (a, b) = tokio::join!(
            store.rotate_refresh_token(&token, &next_a, now, DAY),
            store.rotate_refresh_token(&token, &next_b, now, DAY),
        );
        let outcomes = [a.unwrap(), b.unwrap()];
        let rotated = outcomes
            .iter()
            .filter(|o| matches!(o, Rotation::Rotated(_)))
            .count();
        let reused = outcomes
            .iter()
            .filter(|o| matches!(o, Rotation::Reused { .. }))
            .count();
        assert_eq!((rotated, reused), (1, 1), "round {round}: {outcomes:?}");
        for next in [next_a, next_b] {
            let after = store
                .rotate_refresh_token(&next, &[b'z', round], now, DAY)
                .await
                .unwrap();
            assert!(
                matches!(after, Rotation::Revoked | Rotation::Unknown),
                "round {round}: a token of the raced family still rotates: {after:?}"
            );
        }
    }
}

/// Every byte value, NULs included: a blob must come back exactly as stored on every backend.
fn picture_bytes(seed: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31) ^ seed)
        .collect()
}

fn new_image<'a>(owner: Uuid, id: &'a str, bytes: &'a [u8], at: OffsetDateTime) -> NewImage<'a> {
    NewImage {
        owner_id: owner,
        id,
        content_type: "image/png",
        bytes,
        width: 640,
        height: 480,
        now: at,
    }
}

const ROOMY: ImageQuota = ImageQuota {
    max_count: 100,
    max_bytes: 1 << 30,
};

fn hash_id(n: u8) -> String {
    format!("{n:02x}").repeat(32)
}

pub async fn an_image_round_trips_byte_for_byte_and_is_stored_once(store: &dyn DurableStore) {
    let ada = user(store, "ada").await;
    let bytes = picture_bytes(7, 3000);
    let id = hash_id(1);
    let put = store.put_image(new_image(ada.id, &id, &bytes, t0()), ROOMY);
    assert_eq!(put.await.unwrap(), PutImage::Stored);
    let again = store.put_image(new_image(ada.id, &id, &bytes, t0()), ROOMY);
    assert_eq!(again.await.unwrap(), PutImage::AlreadyStored);
    let stored = store.get_image(&id).await.unwrap();
    assert_eq!(stored.content_type, "image/png");
    assert_eq!(stored.bytes, bytes);
    let listed = store.list_images(ada.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].id.as_str(), listed[0].width, listed[0].height),
        (id.as_str(), 640, 480)
    );
    assert_eq!((listed[0].bytes, listed[0].created_at), (3000, t0()));
    assert_eq!(
        store.image_usage(ada.id).await.unwrap(),
        ImageUsage {
            count: 1,
            bytes: 3000
        }
    );
    assert!(matches!(
        store.get_image(&hash_id(2)).await,
        Err(StoreError::NotFound)
    ));
}

pub async fn images_are_listed_newest_first_and_owner_scoped(store: &dyn DurableStore) {
    let ada = user(store, "ada").await;
    let bob = user(store, "bob").await;
    let (a, b) = (picture_bytes(1, 10), picture_bytes(2, 20));
    let later = t0() + time::Duration::seconds(5);
    let (old_id, new_id) = (hash_id(1), hash_id(2));
    store
        .put_image(new_image(ada.id, &old_id, &a, t0()), ROOMY)
        .await
        .unwrap();
    store
        .put_image(new_image(ada.id, &new_id, &b, later), ROOMY)
        .await
        .unwrap();
    let ids: Vec<String> = store
        .list_images(ada.id)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(ids, [new_id.clone(), old_id.clone()]);
    assert!(store.list_images(bob.id).await.unwrap().is_empty());
    assert_eq!(
        store.image_usage(bob.id).await.unwrap(),
        ImageUsage::default()
    );
    // Bob cannot delete Ada's picture: it answers like a missing one and stays.
    assert!(matches!(
        store.delete_image(bob.id, &old_id).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.get_image(&old_id).await.unwrap().bytes, a);
    store.delete_image(ada.id, &old_id).await.unwrap();
    assert!(matches!(
        store.get_image(&old_id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.delete_image(ada.id, &old_id).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.image_usage(ada.id).await.unwrap().count, 1);
}

pub async fn two_owners_of_one_picture_each_have_their_copy(store: &dyn DurableStore) {
    let ada = user(store, "ada").await;
    let bob = user(store, "bob").await;
    let bytes = picture_bytes(3, 100);
    let id = hash_id(9);
    for owner in [ada.id, bob.id] {
        let put = store.put_image(new_image(owner, &id, &bytes, t0()), ROOMY);
        assert_eq!(put.await.unwrap(), PutImage::Stored);
    }
    assert_eq!(store.image_usage(bob.id).await.unwrap().bytes, 100);
    store.delete_image(ada.id, &id).await.unwrap();
    assert_eq!(
        store.get_image(&id).await.unwrap().bytes,
        bytes,
        "Bob's copy stays"
    );
    assert_eq!(store.list_images(bob.id).await.unwrap().len(), 1);
}

pub async fn an_image_over_the_quota_is_not_stored(store: &dyn DurableStore) {
    let ada = user(store, "ada").await;
    let bytes = picture_bytes(4, 400);
    let quota = ImageQuota {
        max_count: 2,
        max_bytes: 1000,
    };
    let (one, two, three) = (hash_id(1), hash_id(2), hash_id(3));
    for id in [&one, &two] {
        let put = store.put_image(new_image(ada.id, id, &bytes, t0()), quota);
        assert_eq!(put.await.unwrap(), PutImage::Stored);
    }
    let full = ImageUsage {
        count: 2,
        bytes: 800,
    };
    let put = store.put_image(new_image(ada.id, &three, &bytes, t0()), quota);
    assert_eq!(put.await.unwrap(), PutImage::OverQuota(full));
    // A picture already stored is no new use of the quota.
    let put = store.put_image(new_image(ada.id, &one, &bytes, t0()), quota);
    assert_eq!(put.await.unwrap(), PutImage::AlreadyStored);
    // The byte limit holds on its own.
    store.delete_image(ada.id, &two).await.unwrap();
    let big = picture_bytes(5, 601);
    let put = store.put_image(new_image(ada.id, &three, &big, t0()), quota);
    assert!(matches!(put.await.unwrap(), PutImage::OverQuota(_)));
    assert!(matches!(
        store.get_image(&three).await,
        Err(StoreError::NotFound)
    ));
    let fits = picture_bytes(5, 600);
    let put = store.put_image(new_image(ada.id, &three, &fits, t0()), quota);
    assert_eq!(put.await.unwrap(), PutImage::Stored);
}

/// Many uploads of one owner at once cannot overshoot the quota between its check and the insert.
pub async fn concurrent_uploads_stay_within_the_quota(store: &dyn DurableStore) {
    let ada = user(store, "ada").await;
    let quota = ImageQuota {
        max_count: 3,
        max_bytes: 1 << 20,
    };
    let bytes = picture_bytes(6, 50);
    let ids: Vec<String> = (0..8).map(hash_id).collect();
    let puts = ids
        .iter()
        .map(|id| store.put_image(new_image(ada.id, id, &bytes, t0()), quota));
    let outcomes = futures_util::future::join_all(puts).await;
    let stored = outcomes
        .iter()
        .filter(|o| matches!(o, Ok(PutImage::Stored)))
        .count();
    assert_eq!(stored, 3, "{outcomes:?}");
    assert_eq!(store.image_usage(ada.id).await.unwrap().count, 3);
}

pub async fn images_of_an_unknown_or_deleted_owner_are_not_kept(store: &dyn DurableStore) {
    let bytes = picture_bytes(8, 10);
    let id = hash_id(1);
    let nobody = store.put_image(new_image(Uuid::new_v4(), &id, &bytes, t0()), ROOMY);
    assert!(matches!(nobody.await, Err(StoreError::NotFound)));
    let ada = user(store, "ada").await;
    store
        .put_image(new_image(ada.id, &id, &bytes, t0()), ROOMY)
        .await
        .unwrap();
    store.delete_user(ada.id).await.unwrap();
    assert!(matches!(
        store.get_image(&id).await,
        Err(StoreError::NotFound)
    ));
}

/// Instantiates every contract check for one backend: `durable_contract!(name => async constructor);`
macro_rules! durable_contract {
    ($backend:ident => $open:expr) => {
        mod $backend {
            durable_contract!(@cases $open;
                answers_ping,
                usernames_are_unique_case_insensitively,
                a_password_change_moves_valid_after,
                a_refresh_token_rotates_exactly_once,
                reusing_a_refresh_token_revokes_its_family,
                concurrent_refreshes_of_one_token_rotate_it_once,
                an_idle_refresh_token_expires,
                a_family_expires_at_its_absolute_limit,
                revoked_families_refuse_refresh,
                families_older_than_valid_after_are_void,
                quizzes_round_trip_for_their_owner,
                quizzes_are_listed_newest_first_with_question_counts,
                another_owners_quiz_behaves_as_missing,
                a_duplicate_is_a_new_quiz_with_a_copy_title,
                a_finished_game_is_stored_once,
                finished_games_are_owner_scoped_and_newest_first,
                a_game_of_a_deleted_host_is_still_stored,
                a_quizs_games_are_listed_oldest_first_owner_scoped_and_limited,
                deleting_a_user_removes_their_data,
                an_image_round_trips_byte_for_byte_and_is_stored_once,
                images_are_listed_newest_first_and_owner_scoped,
                two_owners_of_one_picture_each_have_their_copy,
                an_image_over_the_quota_is_not_stored,
                concurrent_uploads_stay_within_the_quota,
                images_of_an_unknown_or_deleted_owner_are_not_kept,
            );
        }
    };
    (@cases $open:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $case() {
                let backend = $open.await;
                super::$case(&*backend.store).await;
            }
        )*
    };
}

durable_contract!(sqlite => super::sqlite());
durable_contract!(postgres => super::postgres());

async fn postgres() -> Backend {
    let url = cahoot_testkit::stores::fresh_postgres_database().await;
    let store = cahoot_server::durable::connect(&url).await.unwrap();
    Backend {
        store,
        _guard: Box::new(()),
    }
}
