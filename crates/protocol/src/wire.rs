//! The version on the wire: every line written gets `"v": PROTOCOL_VERSION`
//! next to its own fields (additive: readers that ignore it see the same
//! object as before), and reading a line tells old (no `v`), current and
//! newer lines apart, so a reader skips what it cannot read with a reason
//! instead of failing on the whole file.

use super::PROTOCOL_VERSION;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// The name of the version field.
pub const VERSION_FIELD: &str = "v";

/// `body` with the version alongside its fields: `{"v":1,"type":…,…}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Versioned<T> {
    /// 0 for lines written before versions existed.
    #[serde(default)]
    pub v: u32,
    #[serde(flatten)]
    pub body: T,
}

impl<T> Versioned<T> {
    /// `body` as this version writes it.
    pub fn new(body: T) -> Versioned<T> {
        Versioned {
            v: PROTOCOL_VERSION,
            body,
        }
    }
}

/// `body` as one line of this version: `{"v":1,…}` without the newline.
pub fn to_line<T: Serialize>(body: &T) -> serde_json::Result<String> {
    serde_json::to_string(&Versioned::new(body))
}

/// Why a line was not read.
#[derive(Debug, Clone, PartialEq)]
pub enum Unreadable {
    /// Not a JSON object at all (a torn last line, say).
    NotJson(String),
    /// Written by a newer version, in a shape this one does not know.
    Newer { v: u64, error: String },
    /// This version's shape, or an older one, but not something this
    /// reader knows (an unknown event type, a missing field).
    Unknown(String),
}

impl fmt::Display for Unreadable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unreadable::NotJson(e) => write!(f, "not JSON: {e}"),
            Unreadable::Newer { v, error } => write!(
                f,
                "written by a newer Tandem (protocol {v}, this is {PROTOCOL_VERSION}): {error}"
            ),
            Unreadable::Unknown(e) => write!(f, "not understood: {e}"),
        }
    }
}

/// Read one line written by any version. Lines without a version read as
/// they always did; a newer line reads too when its shape is one this
/// version knows (additions are ignored).
pub fn read_line<T: DeserializeOwned>(line: &str) -> Result<T, Unreadable> {
    let value: Value =
        serde_json::from_str(line).map_err(|e| Unreadable::NotJson(e.to_string()))?;
    let v = value
        .get(VERSION_FIELD)
        .and_then(Value::as_u64)
        .unwrap_or(0);
    serde_json::from_value(value).map_err(|e| {
        if v > u64::from(PROTOCOL_VERSION) {
            Unreadable::Newer {
                v,
                error: e.to_string(),
            }
        } else {
            Unreadable::Unknown(e.to_string())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Event, Outcome};
    use serde_json::json;

    #[test]
    fn the_version_sits_beside_the_fields_and_reads_back() {
        let event = Event::Finished {
            outcome: Outcome::Done,
        };
        let line = to_line(&event).unwrap();
        let value: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(
            value,
            json!({"v": PROTOCOL_VERSION, "type": "finished", "outcome": "done"})
        );
        // A reader of the bare event (today's clients) sees it unchanged.
        assert_eq!(read_line::<Event>(&line), Ok(event.clone()));
        let versioned: Versioned<Event> = read_line(&line).unwrap();
        assert_eq!(versioned.v, PROTOCOL_VERSION);
        // Before versions: no field, version 0.
        let old: Versioned<Event> = read_line(r#"{"type":"finished","outcome":"done"}"#).unwrap();
        assert_eq!((old.v, old.body), (0, event));
    }

    #[test]
    fn unknown_and_newer_lines_say_why_they_were_not_read() {
        let unknown = read_line::<Event>(r#"{"v":1,"type":"no_such_event"}"#).unwrap_err();
        assert!(matches!(unknown, Unreadable::Unknown(_)), "{unknown}");
        let newer = read_line::<Event>(r#"{"v":99,"type":"teleported"}"#).unwrap_err();
        assert!(matches!(newer, Unreadable::Newer { v: 99, .. }), "{newer}");
        assert!(newer.to_string().contains("newer Tandem"), "{newer}");
        // A newer line of a known shape, with a field added, still reads.
        let known = read_line::<Event>(r#"{"v":99,"type":"steered","message":"hi","mood":1}"#);
        assert_eq!(
            known,
            Ok(Event::Steered {
                message: "hi".into()
            })
        );
        let torn = read_line::<Event>(r#"{"v":1,"type":"ste"#).unwrap_err();
        assert!(matches!(torn, Unreadable::NotJson(_)), "{torn}");
    }
}
