use super::*;
use rcgen::{CertificateParams, DnType, KeyPair, PKCS_ECDSA_P256_SHA256, date_time_ymd};

const BOOTSTRAP: &str = r#"{
  "apiVersion": "v1", "kind": "Config",
  "clusters": [{"name": "hub", "cluster": {"server": "https://127.0.0.1:6443", "certificate-authority-data": "Y2E="}}],
  "users": [{"name": "boot", "user": {"token": "t"}}],
  "contexts": [{"name": "boot", "context": {"cluster": "hub", "user": "boot"}}],
  "current-context": "boot"
}"#;

fn cert(cn: &str, expired: bool) -> (String, String) {
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, cn);
    params.not_before = date_time_ymd(2000, 1, 1);
    params.not_after = if expired {
        date_time_ymd(2001, 1, 1)
    } else {
        date_time_ymd(2100, 1, 1)
    };
    (params.self_signed(&key).unwrap().pem(), key.serialize_pem())
}

fn bootstrap(dir: &Path) -> Bootstrap {
    let path = dir.join("bootstrap.kubeconfig");
    std::fs::write(&path, BOOTSTRAP).unwrap();
    Bootstrap::read(&path).unwrap()
}

#[test]
fn hub_kubeconfig_has_upstreams_shape_and_loads() {
    let tmp = tempfile::tempdir().unwrap();
    let b = bootstrap(tmp.path());
    let dir = tmp.path().join("hub");
    let (crt, key) = cert("system:open-cluster-management:c1:a1", false);
    write_hub_kubeconfig(&dir, &b, "c1", "a1", crt.as_bytes(), key.as_bytes()).unwrap();
    let names: Vec<String> = {
        let mut n: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        n.sort();
        n
    };
    assert_eq!(
        names,
        [
            "agent-name",
            "cluster-name",
            "kubeconfig",
            "tls.crt",
            "tls.key"
        ]
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("cluster-name")).unwrap(),
        "c1"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("agent-name")).unwrap(),
        "a1"
    );
    let kc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("kubeconfig")).unwrap()).unwrap();
    assert_eq!(
        kc,
        serde_json::json!({
            "apiVersion": "v1", "kind": "Config",
            "clusters": [{"name": "hub", "cluster": {"server": "https://127.0.0.1:6443", "certificate-authority-data": "Y2E="}}],
            "users": [{"name": "default-auth", "user": {"client-certificate": "tls.crt", "client-key": "tls.key"}}],
            "contexts": [{"name": "default-context", "context": {"cluster": "hub", "user": "default-auth", "namespace": "configuration"}}],
            "current-context": "default-context",
        })
    );
    // kube reads it, with the relative files resolved next to it.
    let read = Kubeconfig::read_from(dir.join("kubeconfig")).unwrap();
    let user = read.auth_infos[0].auth_info.as_ref().unwrap();
    assert_eq!(
        user.client_certificate.as_deref(),
        Some(dir.join("tls.crt").to_str().unwrap())
    );
    let files = read_hub_files(&dir, &b, "c1", jiff::Timestamp::now().as_second()).unwrap();
    assert_eq!(files.agent, "a1");
    assert!(
        read_hub_files(&dir, &b, "c2", jiff::Timestamp::now().as_second()).is_none(),
        "another cluster"
    );
    // No temporary files are left behind.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 5);
}

#[test]
fn an_expired_or_foreign_certificate_means_bootstrap() {
    let tmp = tempfile::tempdir().unwrap();
    let b = bootstrap(tmp.path());
    let now = jiff::Timestamp::now().as_second();
    let dir = tmp.path().join("hub");
    let (crt, key) = cert("system:open-cluster-management:c1:a1", true);
    write_hub_kubeconfig(&dir, &b, "c1", "a1", crt.as_bytes(), key.as_bytes()).unwrap();
    assert!(read_hub_files(&dir, &b, "c1", now).is_none(), "expired");
    let (crt, key) = cert("someone-else", false);
    write_hub_kubeconfig(&dir, &b, "c1", "a1", crt.as_bytes(), key.as_bytes()).unwrap();
    assert!(
        read_hub_files(&dir, &b, "c1", now).is_none(),
        "not an agent's certificate"
    );
    // Another hub server in the bootstrap kubeconfig.
    let (crt, key) = cert("system:open-cluster-management:c1:a1", false);
    write_hub_kubeconfig(&dir, &b, "c1", "a1", crt.as_bytes(), key.as_bytes()).unwrap();
    let path = tmp.path().join("other.kubeconfig");
    std::fs::write(&path, BOOTSTRAP.replace("6443", "7443")).unwrap();
    assert!(
        read_hub_files(&dir, &Bootstrap::read(&path).unwrap(), "c1", now).is_none(),
        "other server"
    );
    assert!(read_hub_files(&dir, &b, "c1", now).is_some());
}

#[test]
fn bootstrap_kubeconfig_errors_are_typed() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = Bootstrap::read(tmp.path().join("none")).unwrap_err();
    assert!(
        matches!(missing, AgentError::BootstrapKubeconfig { .. }),
        "{missing}"
    );
    let garbage = tmp.path().join("garbage");
    std::fs::write(&garbage, "{not yaml: [").unwrap();
    assert!(matches!(
        Bootstrap::read(&garbage),
        Err(AgentError::BootstrapKubeconfig { .. })
    ));
    let no_context = tmp.path().join("no-context");
    std::fs::write(
        &no_context,
        BOOTSTRAP.replace(
            "\"current-context\": \"boot\"",
            "\"current-context\": \"x\"",
        ),
    )
    .unwrap();
    let e = Bootstrap::read(&no_context).unwrap_err();
    assert!(
        e.to_string().contains("expected current context \"x\""),
        "{e}"
    );
}
