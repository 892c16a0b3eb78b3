//! Fuzzing `decode_client` on stable Rust: proptest drives arbitrary bytes and strings and structure-aware
//! mutations of valid messages. Properties: it never panics (nor overflows the stack), a frame over the
//! limit is always `frame_too_large`, every other refusal is `bad_message`, and whatever decodes
//! re-encodes to the same message.
//!
//! `make fuzz` runs the same properties with many more cases: `PROPTEST_CASES=200000`.

use cahoot_game::AnswerValue;
use cahoot_protocol::{ClientMessage, MAX_CLIENT_FRAME_BYTES, decode_client};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// Cases per property: `PROPTEST_CASES` when set (the `make fuzz` run), else a few seconds' worth.
fn config(default_cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_cases);
    ProptestConfig {
        cases,
        max_shrink_iters: 2_000,
        ..ProptestConfig::default()
    }
}

/// The decoder's contract for any input.
fn check(text: &str) -> Result<(), TestCaseError> {
    match decode_client(text) {
        Ok(msg) => {
            prop_assert!(text.len() <= MAX_CLIENT_FRAME_BYTES);
            // What decodes re-encodes and decodes to the same message.
            let again = serde_json::to_string(&msg).unwrap();
            if again.len() <= MAX_CLIENT_FRAME_BYTES {
                prop_assert_eq!(decode_client(&again).unwrap(), msg);
            }
        }
        Err(e) if text.len() > MAX_CLIENT_FRAME_BYTES => {
            prop_assert_eq!(e.code, "frame_too_large");
        }
        Err(e) => {
            prop_assert_eq!(e.code, "bad_message");
            prop_assert!(!e.message.is_empty());
        }
    }
    Ok(())
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,64}",
        "[{}\\[\\]\":,a-z0-9 \\\\]{0,200}",
        proptest::collection::vec(any::<char>(), 0..6000).prop_map(|c| c.into_iter().collect()),
    ]
}

/// Any valid client message.
fn message() -> impl Strategy<Value = ClientMessage> {
    let text = || ".{0,80}";
    prop_oneof![
        (any::<u32>(), text(), proptest::option::of(text()))
            .prop_map(|(v, token, game_id)| ClientMessage::Hello { v, token, game_id }),
        (text(), any::<u32>(), answer_value()).prop_map(|(answer_id, question_index, answer)| {
            ClientMessage::Answer {
                answer_id,
                question_index,
                answer,
            }
        }),
        Just(ClientMessage::Start),
        Just(ClientMessage::Next),
        proptest::option::of(any::<u32>())
            .prop_map(|question_index| ClientMessage::Skip { question_index }),
        Just(ClientMessage::End),
        Just(ClientMessage::Lock),
        Just(ClientMessage::Unlock),
        text().prop_map(|player_id| ClientMessage::Kick { player_id }),
    ]
}

/// Any answer shape. Numbers are finite (JSON has no NaN or infinity) quarters, which print and parse back
/// exactly.
fn answer_value() -> impl Strategy<Value = AnswerValue> {
    let picks = || proptest::collection::vec(any::<u32>(), 0..8);
    prop_oneof![
        any::<u32>().prop_map(AnswerValue::Choice),
        picks().prop_map(AnswerValue::Choices),
        ".{0,30}".prop_map(AnswerValue::Text),
        (-4_000_000i64..4_000_000).prop_map(|n| AnswerValue::Number(n as f64 / 4.0)),
        picks().prop_map(AnswerValue::Order),
    ]
}

/// A JSON value that is anything but what a field expects.
fn wrong_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_map(|n| serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)),
        Just(json!(u64::MAX)),
        Just(json!(-1)),
        Just(json!(4_294_967_296u64)),
        Just(json!(1.5)),
        Just(json!(1e308)),
        ".{0,20}".prop_map(Value::String),
        Just(json!([])),
        Just(json!({})),
        Just(json!([1, "two", null])),
        Just(json!({"type": "hello"})),
    ]
}

#[derive(Debug, Clone)]
enum Mutation {
    RemoveField(usize),
    ReplaceField(usize, Value),
    AddField(String, Value),
    RenameType(String),
    Truncate(usize),
    Insert(usize, char),
    DuplicateKey(usize),
    Wrap(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::RemoveField),
        (any::<usize>(), wrong_value()).prop_map(|(i, v)| Mutation::ReplaceField(i, v)),
        ("[a-z_]{1,12}", wrong_value()).prop_map(|(k, v)| Mutation::AddField(k, v)),
        prop_oneof![
            Just("HELLO".to_owned()),
            Just("hello ".to_owned()),
            Just("".to_owned()),
            Just("state".to_owned()),
            Just("welcome".to_owned()),
            "[a-z_]{0,12}",
        ]
        .prop_map(Mutation::RenameType),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), any::<char>()).prop_map(|(i, c)| Mutation::Insert(i, c)),
        any::<usize>().prop_map(Mutation::DuplicateKey),
        (1usize..3000).prop_map(Mutation::Wrap),
    ]
}

fn char_boundary(text: &str, at: usize) -> usize {
    let mut at = at % (text.len() + 1);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Applies `m` to the JSON form of a valid message; returns the frame text.
fn mutate(msg: &ClientMessage, m: &Mutation) -> String {
    let Value::Object(mut obj) = serde_json::to_value(msg).unwrap() else {
        unreachable!("client messages are objects")
    };
    let keys: Vec<String> = obj.keys().cloned().collect();
    let pick = |i: usize| keys[i % keys.len()].clone();
    match m {
        Mutation::RemoveField(i) => {
            obj.remove(&pick(*i));
        }
        Mutation::ReplaceField(i, v) => {
            obj.insert(pick(*i), v.clone());
        }
        Mutation::AddField(k, v) => {
            obj.insert(k.clone(), v.clone());
        }
        Mutation::RenameType(t) => {
            obj.insert("type".into(), Value::String(t.clone()));
        }
        Mutation::Truncate(at) => {
            let text = Value::Object(obj).to_string();
            return text[..char_boundary(&text, *at)].to_owned();
        }
        Mutation::Insert(at, c) => {
            let mut text = Value::Object(obj).to_string();
            text.insert(char_boundary(&text, *at), *c);
            return text;
        }
        Mutation::DuplicateKey(i) => {
            let key = pick(*i);
            let text = Value::Object(obj).to_string();
            return format!("{{\"{key}\":\"dup\",{}", &text[1..]);
        }
        Mutation::Wrap(depth) => {
            let text = Value::Object(obj).to_string();
            return format!("{}{text}{}", "[".repeat(*depth), "]".repeat(*depth));
        }
    }
    Value::Object(obj).to_string()
}

proptest! {
    #![proptest_config(config(1_000))]

    #[test]
    fn arbitrary_strings_never_panic_and_get_a_documented_code(text in any_text()) {
        check(&text)?;
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..5000)) {
        check(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn valid_messages_round_trip(msg in message()) {
        let text = serde_json::to_string(&msg).unwrap();
        prop_assume!(text.len() <= MAX_CLIENT_FRAME_BYTES);
        prop_assert_eq!(decode_client(&text).unwrap(), msg);
    }

    #[test]
    fn mutated_valid_messages_never_panic(
        msg in message(),
        mutations in proptest::collection::vec(mutation(), 1..4),
    ) {
        let mut text = mutate(&msg, &mutations[0]);
        for m in &mutations[1..] {
            // Later mutations apply to whatever the earlier ones left, if it is still an object.
            if let Ok(Value::Object(obj)) = serde_json::from_str::<Value>(&text)
                && let Ok(next) = serde_json::from_value::<ClientMessage>(Value::Object(obj.clone()))
            {
                text = mutate(&next, m);
            } else {
                text.push_str(&format!("{m:?}"));
            }
        }
        check(&text)?;
    }

    #[test]
    fn anything_over_the_limit_is_frame_too_large(msg in message(), pad in 1usize..20_000) {
        let mut obj: Map<String, Value> = match serde_json::to_value(&msg).unwrap() {
            Value::Object(o) => o,
            _ => unreachable!(),
        };
        obj.insert("padding".into(), Value::String("x".repeat(MAX_CLIENT_FRAME_BYTES + pad)));
        let err = decode_client(&Value::Object(obj).to_string()).unwrap_err();
        prop_assert_eq!(err.code, "frame_too_large");
    }
}

#[test]
fn deeply_nested_json_within_the_size_limit_is_refused_not_a_stack_overflow() {
    for open in ["[", "{\"a\":"] {
        let depth = MAX_CLIENT_FRAME_BYTES / open.len();
        let text = open.repeat(depth);
        assert_eq!(decode_client(&text).unwrap_err().code, "bad_message");
    }
    let balanced = format!("{}{}", "[".repeat(2048), "]".repeat(2048));
    assert_eq!(decode_client(&balanced).unwrap_err().code, "bad_message");
}

#[test]
fn exactly_at_the_limit_is_decoded_and_one_byte_more_is_not() {
    let frame = |len: usize| {
        let base = r#"{"type":"kick","player_id":""}"#;
        let id = "p".repeat(len - base.len());
        format!(r#"{{"type":"kick","player_id":"{id}"}}"#)
    };
    assert!(decode_client(&frame(MAX_CLIENT_FRAME_BYTES)).is_ok());
    assert_eq!(
        decode_client(&frame(MAX_CLIENT_FRAME_BYTES + 1))
            .unwrap_err()
            .code,
        "frame_too_large"
    );
}
