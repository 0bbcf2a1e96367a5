//! Conformance (issue #2, item 6c): every fixture is created on a real kube-apiserver with the
//! upstream CRDs installed (by `ocm-testenv`, from `open-cluster-management.io/api@v1.3.0`) and
//! read back; what comes back decodes into the same Rust value as the fixture.
//!
//! The apiserver prunes fields its schema does not know and validates everything (patterns, CEL
//! rules, formats), so this proves the fixtures are real upstream objects and that nothing the
//! types write is lost on a real hub. The types' own encoding of every fixture is then written
//! again with server-side apply (object and status), which must be accepted.
//!
//! - Most kinds run against a plain control plane (`ocm(false)`): no OCM controller touches them.
//! - v1beta1 ClusterManagementAddOn and ManagedClusterAddOn are stored as v1alpha1 and need the
//!   hub's conversion webhook, so they run against an environment with the OCM hub (`ocm(true)`),
//!   whose addon manager owns their status: only `spec` is compared for them.
//!
//! Also (issue #9): for every kind/version whose upstream CRD does not require `spec`, an object
//! created without one is stored, and the server's list of it decodes as `ObjectList<K>` (what
//! `kube::Api::<K>::list` reads).
//!
//! Needs Go (ocm-testenv builds the apiserver from source on first use, tens of minutes; prebuild
//! with `cargo run -p ocm-testenv -- build`). Run alone with
//! `cargo test -p ocm-api --test apiserver -- --nocapture`.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;

use common::*;
use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, ApiResource, DynamicObject, Patch, PatchParams, PostParams};
use kube::core::GroupVersionKind;
use serde_json::{Value, json};

/// The kinds that need the hub's conversion webhook (stored as v1alpha1).
const NEEDS_CONVERSION: &[(&str, &str)] = &[
    (
        "addon.open-cluster-management.io/v1beta1",
        "ClusterManagementAddOn",
    ),
    (
        "addon.open-cluster-management.io/v1beta1",
        "ManagedClusterAddOn",
    ),
];

fn needs_conversion(f: &Fixture) -> bool {
    NEEDS_CONVERSION
        .iter()
        .any(|(av, k)| Some(*av) == f.api_version() && Some(*k) == f.kind())
}

/// Plural and whether the version has a status subresource, from the upstream CRD.
fn upstream_info(api_version: &str, kind: &str) -> Option<(String, bool, bool)> {
    let (group, version) = api_version.split_once('/')?;
    upstream_crds().into_iter().find_map(|crd| {
        if crd.group() != group || crd.kind() != kind {
            return None;
        }
        let v = crd.versions().iter().find(|v| v["name"] == version)?;
        let plural = crd.crd["spec"]["names"]["plural"].as_str()?.to_owned();
        let namespaced = crd.crd["spec"]["scope"] == "Namespaced";
        let status = v["subresources"]["status"].is_object();
        Some((plural, namespaced, status))
    })
}

/// Only what a client may set on create: name, namespace, labels, annotations.
fn creatable(fixture: &Value) -> Value {
    let mut obj = fixture.clone();
    let meta = &fixture["metadata"];
    let mut m = serde_json::Map::new();
    for key in ["name", "namespace", "labels", "annotations"] {
        if let Some(v) = meta.get(key) {
            m.insert(key.to_owned(), v.clone());
        }
    }
    obj["metadata"] = Value::Object(m);
    obj
}

/// The typed re-encoding without server-managed metadata, for comparison.
fn comparable(value: Value, rust: &RustKind, spec_only: bool) -> Result<Value, String> {
    let mut out = (rust.round_trip)(value)?;
    let meta = out["metadata"].clone();
    let mut m = serde_json::Map::new();
    for key in ["name", "namespace", "labels", "annotations"] {
        if let Some(v) = meta.get(key) {
            m.insert(key.to_owned(), v.clone());
        }
    }
    out["metadata"] = Value::Object(m);
    if spec_only && let Some(o) = out.as_object_mut() {
        o.remove("status");
    }
    Ok(out)
}

/// `value` without object members whose value is `null`, recursively.
fn strip_nulls(value: &Value) -> Value {
    match value {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), strip_nulls(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(strip_nulls).collect()),
        other => other.clone(),
    }
}

async fn ensure_namespace(client: &kube::Client, name: &str, done: &mut BTreeSet<String>) {
    if !done.insert(name.to_owned()) {
        return;
    }
    let api: Api<Namespace> = Api::all(client.clone());
    let ns: Namespace = serde_json::from_value(json!({"metadata": {"name": name}})).unwrap();
    match api.create(&PostParams::default(), &ns).await {
        Ok(_) => {}
        Err(kube::Error::Api(e)) if e.code == 409 => {}
        Err(e) => panic!("creating namespace {name}: {e}"),
    }
}

/// Installs the upstream CRDs the environment lacks (ocm-testenv installs the hub's on the hub;
/// ClusterClaim, AppliedManifestWork, ClusterManager and Klusterlet live elsewhere in OCM) and
/// waits until they are established.
async fn install_missing_crds(client: &kube::Client) {
    let api: Api<CustomResourceDefinition> = Api::all(client.clone());
    let mut created = Vec::new();
    for up in upstream_crds() {
        if api.get_opt(up.name()).await.unwrap().is_some() {
            continue;
        }
        let mut crd = up.crd.clone();
        if let Some(o) = crd.as_object_mut() {
            o.remove("status");
        }
        let crd: CustomResourceDefinition = serde_json::from_value(crd).unwrap();
        api.create(&PostParams::default(), &crd)
            .await
            .unwrap_or_else(|e| panic!("installing {}: {e}", up.file));
        created.push(up.name().to_owned());
    }
    for name in created {
        let mut established = false;
        for _ in 0..100 {
            let crd = api.get(&name).await.unwrap();
            established = crd
                .status
                .and_then(|s| s.conditions)
                .unwrap_or_default()
                .iter()
                .any(|c| c.type_ == "Established" && c.status == "True");
            if established {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        assert!(established, "CRD {name} not established after 20s");
    }
}

/// Creates one fixture (and writes its status), reads it back, compares; returns problems.
async fn check_fixture(
    client: &kube::Client,
    fixture: &Fixture,
    kinds: &[RustKind],
    namespaces: &mut BTreeSet<String>,
) -> Vec<String> {
    let file = &fixture.file;
    let mut problems = Vec::new();
    let (Ok(value), Some(api_version), Some(kind)) =
        (&fixture.value, fixture.api_version(), fixture.kind())
    else {
        return vec![format!("{file}: no JSON object with apiVersion/kind")];
    };
    let Some(rust) = find_rust_kind(kinds, api_version, kind) else {
        return vec![format!("{file}: no Rust kind")];
    };
    let Some((plural, namespaced, has_status)) = upstream_info(api_version, kind) else {
        return vec![format!("{file}: not an upstream kind/version")];
    };
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let ar =
        ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), &plural);
    let name = value["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let api: Api<DynamicObject> = if namespaced {
        let ns = value["metadata"]["namespace"]
            .as_str()
            .unwrap_or("default")
            .to_owned();
        ensure_namespace(client, &ns, namespaces).await;
        Api::namespaced_with(client.clone(), &ns, &ar)
    } else {
        Api::all_with(client.clone(), &ar)
    };
    let obj: DynamicObject = match serde_json::from_value(creatable(value)) {
        Ok(o) => o,
        Err(e) => return vec![format!("{file}: not a DynamicObject: {e}")],
    };
    let created = match api.create(&PostParams::default(), &obj).await {
        Ok(c) => c,
        Err(e) => return vec![format!("{file}: create rejected: {e}")],
    };
    if has_status && value.get("status").is_some_and(|s| !s.is_null()) {
        // On a hub, OCM's controllers may update the object between our writes: retry a
        // conflict with the latest resourceVersion, as any client must.
        let mut resource_version = created.metadata.resource_version.clone();
        let mut result = Ok(());
        for _ in 0..10 {
            let mut with_status = creatable(value);
            with_status["metadata"]["resourceVersion"] = json!(resource_version);
            let with_status: DynamicObject = serde_json::from_value(with_status).unwrap();
            result = api
                .replace_status(&name, &PostParams::default(), &with_status)
                .await
                .map(drop);
            match &result {
                Err(kube::Error::Api(status)) if status.code == 409 => {
                    resource_version = api
                        .get(&name)
                        .await
                        .ok()
                        .and_then(|o| o.metadata.resource_version);
                }
                _ => break,
            }
        }
        if let Err(e) = result {
            problems.push(format!("{file}: status update rejected: {e}"));
        }
    }
    let back = match api.get(&name).await {
        Ok(b) => serde_json::to_value(b).unwrap(),
        Err(e) => return vec![format!("{file}: read back failed: {e}")],
    };
    let spec_only = needs_conversion(fixture);
    match (
        comparable(value.clone(), rust, spec_only),
        comparable(back.clone(), rust, spec_only),
    ) {
        (Ok(expected), Ok(actual)) => {
            if expected != actual {
                let diff = json_diff(&expected, &actual).join("\n");
                if fixture.is_full() {
                    problems.push(format!(
                        "{file}: read back differs (fixture -> server):\n{diff}"
                    ));
                } else {
                    // Minimal fixtures leave defaulted fields out; the server fills them in.
                    eprintln!("note: {file}: server defaults:\n{diff}");
                }
            }
        }
        (Err(e), _) => problems.push(format!("{file}: fixture does not decode: {e}")),
        (_, Err(e)) => problems.push(format!(
            "{file}: server's object does not decode: {e}\n{back}"
        )),
    }
    // Raw JSON too: the server kept every field of the fixture (it prunes unknown ones, and
    // the typed decode above would not notice those). Nulls are pruned by the server for
    // non-nullable fields, so they are left out on both sides.
    let raw = |v: &Value| {
        let mut v = strip_nulls(v);
        if let Some(o) = v.as_object_mut() {
            o.remove("metadata");
            if spec_only {
                o.remove("status");
            }
        }
        v
    };
    let (expected, actual) = (raw(value), raw(&back));
    if fixture.is_full() && expected != actual {
        problems.push(format!(
            "{file}: raw JSON read back differs (fixture -> server):\n{}",
            json_diff(&expected, &actual).join("\n")
        ));
    }
    // What the types write must also be accepted by server-side apply, the usual kube-rs
    // write: unlike create, it rejects a `null` in a field whose schema is not nullable.
    match comparable(value.clone(), rust, false) {
        Ok(ours) => {
            let params = PatchParams::apply("ocm-api-conformance").force();
            let mut main = ours.clone();
            if let Some(o) = main.as_object_mut() {
                o.remove("status");
            }
            if let Err(e) = api.patch(&name, &params, &Patch::Apply(&main)).await {
                problems.push(format!("{file}: server-side apply rejected: {e}"));
            }
            if has_status
                && !spec_only
                && ours.get("status").is_some()
                && let Err(e) = api.patch_status(&name, &params, &Patch::Apply(&ours)).await
            {
                problems.push(format!(
                    "{file}: server-side apply of the status rejected: {e}"
                ));
            }
        }
        Err(e) => problems.push(format!("{file}: fixture does not decode: {e}")),
    }
    let _ = api.delete(&name, &Default::default()).await;
    problems
}

/// Creates an object without `spec` for every kind/version whose upstream CRD allows it and reads
/// it back in a list, decoded as the Rust kind; returns problems and how many were checked.
async fn check_objects_without_spec(
    client: &kube::Client,
    kinds: &[RustKind],
    namespaces: &mut BTreeSet<String>,
) -> (Vec<String>, usize) {
    let mut problems = Vec::new();
    let mut checked = 0;
    for (kv, schema) in upstream_kind_versions() {
        let requires_spec = schema["required"]
            .as_array()
            .is_some_and(|r| r.iter().any(|v| v == "spec"));
        let api_version = kv.api_version();
        if requires_spec
            || NEEDS_CONVERSION
                .iter()
                .any(|(av, k)| *av == api_version && *k == kv.kind)
        {
            continue;
        }
        let Some(rust) = find_rust_kind(kinds, &api_version, &kv.kind) else {
            problems.push(format!("{kv}: no Rust kind"));
            continue;
        };
        let Some((plural, namespaced, _)) = upstream_info(&api_version, &kv.kind) else {
            problems.push(format!("{kv}: not an upstream kind/version"));
            continue;
        };
        let ar = ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk(&kv.group, &kv.version, &kv.kind),
            &plural,
        );
        let ns = "without-spec";
        let api: Api<DynamicObject> = if namespaced {
            ensure_namespace(client, ns, namespaces).await;
            Api::namespaced_with(client.clone(), ns, &ar)
        } else {
            Api::all_with(client.clone(), &ar)
        };
        let name = format!("without-spec-{}", kv.kind.to_lowercase());
        let bare: DynamicObject = serde_json::from_value(json!({
            "apiVersion": api_version,
            "kind": kv.kind,
            "metadata": {"name": name},
        }))
        .unwrap();
        if let Err(e) = api.create(&PostParams::default(), &bare).await {
            problems.push(format!("{kv}: create without spec rejected: {e}"));
            continue;
        }
        let request = kube::core::Request::new(api.resource_url())
            .list(&Default::default())
            .unwrap();
        match client.request_text(request).await {
            Ok(text) => match (rust.decode_list)(text.as_bytes()) {
                Ok(n) if n >= 1 => checked += 1,
                Ok(n) => problems.push(format!("{kv}: list has {n} items")),
                Err(e) => problems.push(format!(
                    "{kv}: the list with an object created without spec does not decode: {e}\n{text}"
                )),
            },
            Err(e) => problems.push(format!("{kv}: list failed: {e}")),
        }
        let _ = api.delete(&name, &Default::default()).await;
    }
    (problems, checked)
}

#[tokio::test]
async fn fixtures_survive_a_real_apiserver() {
    let kinds = rust_kinds();
    let fixtures = fixtures();
    let mut problems = Vec::new();
    let mut checked = 0;

    let plain = ocm_testenv::TestEnv::builder()
        .ocm(false)
        .start()
        .await
        .unwrap();
    let client = plain.hub().client();
    install_missing_crds(&client).await;
    let mut namespaces = BTreeSet::new();
    for fixture in fixtures.iter().filter(|f| !needs_conversion(f)) {
        problems.extend(check_fixture(&client, fixture, &kinds, &mut namespaces).await);
        checked += 1;
    }
    let (without_spec_problems, without_spec) =
        check_objects_without_spec(&client, &kinds, &mut namespaces).await;
    problems.extend(without_spec_problems);
    plain.stop().unwrap();

    let hub = ocm_testenv::TestEnv::builder()
        .ocm(true)
        .start()
        .await
        .unwrap();
    let client = hub.hub().client();
    let mut namespaces = BTreeSet::new();
    for fixture in fixtures.iter().filter(|f| needs_conversion(f)) {
        problems.extend(check_fixture(&client, fixture, &kinds, &mut namespaces).await);
        checked += 1;
    }
    hub.stop().unwrap();

    eprintln!(
        "apiserver round trip: {checked} fixtures, {without_spec} kinds created without spec and \
         listed, {} problems",
        problems.len()
    );
    assert_eq!(without_spec, 11, "kinds created without spec and listed");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
