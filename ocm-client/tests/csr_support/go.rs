//! The Go reference program (`tests/go-csr`, built against open-cluster-management.io/ocm v1.2.1)
//! and a seeded random generator.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use k8s_openapi::api::certificates::v1::CertificateSigningRequest;
use ocm_client::registration::csr::DEFAULT_BOOTSTRAP_USERS;

pub use ocm_test_support::Rng;

/// Builds (when its sources are newer) and returns the Go program, or `None` with a notice when
/// Go is unavailable and `OCM_CLIENT_REQUIRE_GO` is unset.
pub fn go_csr() -> Option<PathBuf> {
    ocm_testenv::GoProgram::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/go-csr"))
        .require_var("OCM_CLIENT_REQUIRE_GO")
        .build()
        .expect("the Go reference CSR approver must build when OCM_CLIENT_REQUIRE_GO is set")
}

/// Asks the Go hub about each CSR: approved or not.
pub fn go_approves(bin: &Path, csrs: &[CertificateSigningRequest]) -> Vec<bool> {
    let mut child = Command::new(bin)
        .arg("-bootstrap-users")
        .arg(DEFAULT_BOOTSTRAP_USERS.join(","))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input: Vec<u8> = csrs
        .iter()
        .flat_map(|c| {
            let mut line = serde_json::to_vec(c).unwrap();
            line.push(b'\n');
            line
        })
        .collect();
    let writer = std::thread::spawn(move || stdin.write_all(&input).unwrap());
    let answers: Vec<bool> = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(&l.unwrap()).unwrap();
            v["approved"]
                .as_bool()
                .unwrap_or_else(|| panic!("go-csr: {v}"))
        })
        .collect();
    writer.join().unwrap();
    assert!(child.wait().unwrap().success(), "go-csr failed");
    assert_eq!(
        answers.len(),
        csrs.len(),
        "go-csr answered {} of {}",
        answers.len(),
        csrs.len()
    );
    answers
}

/// The CSR the real Go agent creates for cluster/agent.
pub fn real_agent_csr(
    bin: &Path,
    cluster_agent: &str,
    expiration: u32,
) -> CertificateSigningRequest {
    let out = Command::new(bin)
        .args([
            "-agent",
            cluster_agent,
            "-expiration-seconds",
            &expiration.to_string(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}
