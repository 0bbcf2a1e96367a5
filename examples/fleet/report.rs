//! What the demo says: readable lines without colour, or one JSON object per line (`--json`).

use std::fmt::Display;
use std::time::Instant;

use serde_json::{Value, json};

/// Prints the demo's steps, messages and results.
pub struct Reporter {
    json: bool,
    started: Instant,
}

impl Reporter {
    /// Text output, or JSON lines with `json`.
    pub fn new(json: bool) -> Self {
        Self {
            json,
            started: Instant::now(),
        }
    }

    fn emit(&self, event: &str, mut fields: Value) {
        if let Value::Object(map) = &mut fields {
            map.insert("event".into(), event.into());
            map.insert(
                "elapsedSeconds".into(),
                json!((self.started.elapsed().as_secs_f64() * 10.0).round() / 10.0),
            );
        }
        println!("{fields}");
    }

    /// A numbered step.
    pub fn step(&self, n: u32, title: &str) {
        if self.json {
            self.emit("step", json!({"step": n, "title": title}));
        } else {
            println!(
                "\n[{:>5.1}s] {n}. {title}",
                self.started.elapsed().as_secs_f64()
            );
        }
    }

    /// A line of detail.
    pub fn say(&self, message: impl Display) {
        if self.json {
            self.emit("info", json!({"message": message.to_string()}));
        } else {
            println!("         {message}");
        }
    }

    /// A result: `text` for people, `data` for `--json`.
    pub fn result(&self, kind: &str, text: impl Display, data: Value) {
        if self.json {
            self.emit(kind, json!({"data": data}));
        } else {
            println!("         {text}");
        }
    }

    /// A progress line from the control plane's build and start-up (stderr in text mode, so
    /// that stdout stays the demo's story).
    pub fn progress(&self, message: impl Display) {
        if self.json {
            self.emit("progress", json!({"message": message.to_string()}));
        } else {
            eprintln!("         … {message}");
        }
    }

    /// The end: success or the failed expectation.
    pub fn outcome(&self, error: Option<&anyhow::Error>) {
        match (error, self.json) {
            (None, true) => self.emit("done", json!({"ok": true})),
            (Some(e), true) => self.emit("done", json!({"ok": false, "error": format!("{e:#}")})),
            (None, false) => println!(
                "\ndone in {:.0}s: every step met its expectation.",
                self.started.elapsed().as_secs_f64()
            ),
            (Some(e), false) => eprintln!("\nfailed: {e:#}"),
        }
    }
}
