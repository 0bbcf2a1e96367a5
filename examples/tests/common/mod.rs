//! What the fleet demo's tests share: the example binary and its JSON events.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

/// The example binary `cargo test` built next to this test (`target/<profile>/examples/fleet`),
/// with `--quick --json` and then `args`, its standard output piped.
pub fn fleet(args: &[&std::ffi::OsStr]) -> Command {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let bin: PathBuf = dir.join("examples").join("fleet");
    assert!(
        bin.exists(),
        "{} is missing: run through `cargo test`",
        bin.display()
    );
    let mut cmd = Command::new(bin);
    cmd.args(["--quick", "--json"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    cmd
}

/// Reads JSON events until `stop` says so; returns every event read.
pub fn events_until(child: &mut Child, mut stop: impl FnMut(&Value) -> bool) -> Vec<Value> {
    let out = child.stdout.as_mut().unwrap();
    let mut events = Vec::new();
    for line in BufReader::new(out).lines() {
        let line = line.unwrap();
        let event: Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        eprintln!("{event}");
        let done = stop(&event);
        events.push(event);
        if done {
            break;
        }
    }
    events
}
