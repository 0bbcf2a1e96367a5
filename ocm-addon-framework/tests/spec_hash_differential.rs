//! Differential test: the real Go `open-cluster-management.io/addon-framework@v1.3.0`
//! `pkg/utils.GetSpecHash` (run by the program in `tests/go-spechash/`, which decodes each
//! object as the Go manager's dynamic informer does) and [`ocm_addon_framework::spec_hash`]
//! hash the same generated JSON text; every difference is reported.
//!
//! The Go program is built once into `target/go-spechash/` (rebuilt when its sources are
//! newer). Without a Go toolchain the test is skipped with a notice, unless
//! `OCM_ADDON_REQUIRE_GO=1`. `OCM_ADDON_SPECHASH_CASES` sets the number of objects (default
//! 2000), `OCM_ADDON_SPECHASH_SEED` the seed.
#![allow(clippy::unwrap_used, missing_docs)]

mod spec_hash_common;

use spec_hash_common::{Rng, go_spechash, object_text};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Runs the Go program over `lines`, one answer line per input line.
fn run_go(bin: &Path, args: &[&str], lines: &[String]) -> Vec<String> {
    let mut child = Command::new(bin)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run go-spechash");
    let mut stdin = child.stdin.take().unwrap();
    let input = lines.join("\n");
    let writer = std::thread::spawn(move || {
        stdin.write_all(input.as_bytes()).unwrap();
        stdin.write_all(b"\n").unwrap();
    });
    let out: Vec<String> = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map(Result::unwrap)
        .collect();
    writer.join().unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(
        out.len(),
        lines.len(),
        "go-spechash answered {} of {} lines",
        out.len(),
        lines.len()
    );
    out
}

/// Rust's answer in the Go program's form: `ok <hash>` or `err <reason>`.
fn rust_answer(line: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(line) {
        Err(e) => format!("err decode: {e}"),
        Ok(v) => match ocm_addon_framework::spec_hash(&v) {
            Ok(h) => format!("ok {h}"),
            Err(e) => format!("err hash: {e}"),
        },
    }
}

#[test]
fn rust_and_go_spec_hashes_agree() {
    let Some(bin) = go_spechash() else {
        return;
    };
    let n = env_u64("OCM_ADDON_SPECHASH_CASES", 2000) as usize;
    let seed = env_u64("OCM_ADDON_SPECHASH_SEED", 0x5bec_4a54);
    let mut rng = Rng::new(seed);
    let lines: Vec<String> = (0..n).map(|_| object_text(&mut rng)).collect();

    let started = std::time::Instant::now();
    let go = run_go(&bin, &[], &lines);
    let go_time = started.elapsed();
    let started = std::time::Instant::now();
    let rust: Vec<String> = lines.iter().map(|l| rust_answer(l)).collect();
    let rust_time = started.elapsed();

    let mut differing = Vec::new();
    let (mut ok, mut errors) = (0, 0);
    for (i, (g, r)) in go.iter().zip(&rust).enumerate() {
        let agree = if g.starts_with("ok ") {
            ok += 1;
            g == r
        } else {
            errors += 1;
            r.starts_with("err ")
        };
        if !agree {
            differing.push(i);
        }
    }
    eprintln!(
        "{n} objects (seed {seed:#x}): {ok} hashed, {errors} rejected by both; \
         go {go_time:?} (incl. process start), rust {rust_time:?}"
    );
    if !differing.is_empty() {
        let shown: Vec<String> = differing
            .iter()
            .take(10)
            .map(|&i| lines[i].clone())
            .collect();
        let go_bytes = run_go(&bin, &["-bytes"], &shown);
        for ((i, line), bytes) in differing.iter().zip(&shown).zip(&go_bytes) {
            eprintln!(
                "object {i}: {line}\n  go:   {}\n  rust: {}\n  go hashed: {bytes}",
                go[*i], rust[*i]
            );
        }
        panic!("{} of {n} objects hash differently", differing.len());
    }
    assert!(ok > n * 9 / 10, "too few objects hashed by Go: {ok} of {n}");
}
