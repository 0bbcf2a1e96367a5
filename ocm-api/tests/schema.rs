//! Conformance (issue #2, item 5): the CRDs generated from the Rust types (`ocm_api::crds::all()`)
//! against the upstream CRD YAMLs of the Go module `open-cluster-management.io/api@v1.3.0`.
//!
//! For every upstream kind and served version, every property of upstream's `openAPIV3Schema`
//! must exist in ours under the same JSON name with a compatible shape (`type`, `format`,
//! `items`/`additionalProperties`, `x-kubernetes-int-or-string`,
//! `x-kubernetes-preserve-unknown-fields`, `x-kubernetes-embedded-resource`, `enum`), and ours
//! must have no property upstream lacks. The CRD-level fields (names, scope, versions,
//! subresources, printer columns) must match too. All mismatches are printed at once; deliberate
//! exceptions live in [`EXCEPTIONS`] (and in the crate docs).
//!
//! Differences in validation keywords (`required`, `pattern`, bounds, `default`, list types,
//! CEL rules) do not change what decodes, so they are printed as notes and do not fail the test;
//! set `OCM_API_SCHEMA_NOTES=1` to print every note rather than the per-kind counts.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;
use serde_json::Value;

/// A deliberate difference between our schema and upstream's.
struct Exception {
    /// `"<group-dir>/<version> <Kind>"` (as printed), or `"*"` for every kind.
    kind: &'static str,
    /// The property path (as printed), e.g. `spec.foo[].bar`; a leading `*` matches any prefix.
    path: &'static str,
    /// The check that differs (`missing`, `extra`, `type`, `format`, `enum`, ...).
    check: &'static str,
    /// Why.
    reason: &'static str,
}

/// Every deliberate difference. Keep in sync with the "Deviations from upstream" list of the
/// crate docs (ocm-api/src/lib.rs).
const EXCEPTIONS: &[Exception] = &[
    Exception {
        kind: "*",
        path: "apiVersion",
        check: "missing",
        reason: "kube-derive leaves the root apiVersion/kind/metadata out of the schema; the apiserver \
                 validates them itself",
    },
    Exception {
        kind: "*",
        path: "kind",
        check: "missing",
        reason: "see apiVersion",
    },
    Exception {
        kind: "*",
        path: "metadata",
        check: "missing",
        reason: "see apiVersion",
    },
    Exception {
        kind: "*",
        path: "*conditions[].status",
        check: "enum",
        reason: "metav1.Condition is k8s_openapi's Condition, whose schema has no enum for status \
                 (True/False/Unknown); decoding accepts any string",
    },
];

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Mismatch {
    kind: String,
    path: String,
    check: &'static str,
    detail: String,
}

#[derive(Default)]
struct Findings {
    mismatches: BTreeSet<Mismatch>,
    notes: BTreeSet<Mismatch>,
}

impl Findings {
    fn mismatch(&mut self, kind: &str, path: &str, check: &'static str, detail: String) {
        self.mismatches.insert(Mismatch {
            kind: kind.to_owned(),
            path: path.to_owned(),
            check,
            detail,
        });
    }
    fn note(&mut self, kind: &str, path: &str, check: &'static str, detail: String) {
        self.notes.insert(Mismatch {
            kind: kind.to_owned(),
            path: path.to_owned(),
            check,
            detail,
        });
    }
}

fn shown(path: &str) -> &str {
    if path.is_empty() { "<root>" } else { path }
}

fn opt(v: Option<&Value>) -> String {
    v.map_or_else(|| "<none>".to_owned(), Value::to_string)
}

/// Compares one schema node (and everything below it).
fn compare(up: &Value, ours: &Value, path: &str, kind: &str, f: &mut Findings) {
    let p = shown(path);
    // int-or-string: nothing else to compare (upstream adds an anyOf that kube leaves out).
    let up_ios = flag(up, "x-kubernetes-int-or-string");
    let our_ios = flag(ours, "x-kubernetes-int-or-string");
    if up_ios != our_ios {
        f.mismatch(
            kind,
            p,
            "int-or-string",
            format!(
                "upstream {up_ios}, ours {our_ios} (upstream type {}, ours {})",
                opt(up.get("type")),
                opt(ours.get("type"))
            ),
        );
        return;
    }
    if up_ios {
        return;
    }
    for (name, check) in [
        (
            "x-kubernetes-preserve-unknown-fields",
            "preserve-unknown-fields",
        ),
        ("x-kubernetes-embedded-resource", "embedded-resource"),
    ] {
        if flag(up, name) != flag(ours, name) {
            f.mismatch(
                kind,
                p,
                check,
                format!("upstream {}, ours {}", flag(up, name), flag(ours, name)),
            );
        }
    }
    if type_of(up) != type_of(ours) {
        f.mismatch(
            kind,
            p,
            "type",
            format!(
                "upstream {}, ours {}",
                opt(up.get("type")),
                opt(ours.get("type"))
            ),
        );
    }
    let (up_format, our_format) = (up.get("format"), ours.get("format"));
    if up_format != our_format {
        let detail = format!("upstream {}, ours {}", opt(up_format), opt(our_format));
        if up_format.is_some() || type_of(ours) == Some("string") {
            f.mismatch(kind, p, "format", detail);
        } else {
            f.note(kind, p, "format", detail);
        }
    }
    let (up_enum, our_enum) = (enum_values(up), enum_values(ours));
    if up_enum != our_enum {
        let detail = match (&up_enum, &our_enum) {
            (Some(u), Some(o)) => format!(
                "ours lacks {:?}, ours adds {:?}",
                u.difference(o).collect::<Vec<_>>(),
                o.difference(u).collect::<Vec<_>>()
            ),
            (Some(u), None) => format!("upstream restricts to {u:?}, ours has no enum"),
            (None, Some(o)) => format!("ours restricts to {o:?}, upstream has no enum"),
            (None, None) => String::new(),
        };
        f.mismatch(kind, p, "enum", detail);
    }
    match (items(up), items(ours)) {
        (Some(u), Some(o)) => compare(u, o, &format!("{path}[]"), kind, f),
        (None, None) => {}
        (u, o) => f.mismatch(
            kind,
            p,
            "items",
            format!("upstream {}, ours {}", has(u), has(o)),
        ),
    }
    match (map_values(up), map_values(ours)) {
        (Some(u), Some(o)) => compare(u, o, &format!("{path}{{}}"), kind, f),
        (None, None) => {}
        (u, o) => f.mismatch(
            kind,
            p,
            "additionalProperties",
            format!("upstream {}, ours {}", has(u), has(o)),
        ),
    }
    let up_props = properties(up);
    let our_props = properties(ours);
    for (name, u) in &up_props {
        let child = join(path, name);
        match our_props.get(name) {
            Some(o) => compare(u, o, &child, kind, f),
            None => f.mismatch(
                kind,
                &child,
                "missing",
                format!(
                    "upstream has it (type {}), ours does not",
                    opt(u.get("type"))
                ),
            ),
        }
    }
    for (name, o) in &our_props {
        if !up_props.contains_key(name) {
            f.mismatch(
                kind,
                &join(path, name),
                "extra",
                format!(
                    "ours has it (type {}), upstream does not",
                    opt(o.get("type"))
                ),
            );
        }
    }
    // Validation keywords: notes only.
    let required = |s: &Value| -> BTreeSet<String> {
        s.get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    };
    let (up_req, our_req) = (required(up), required(ours));
    if up_req != our_req {
        f.note(
            kind,
            p,
            "required",
            format!(
                "ours lacks {:?}, ours adds {:?}",
                up_req.difference(&our_req).collect::<Vec<_>>(),
                our_req.difference(&up_req).collect::<Vec<_>>()
            ),
        );
    }
    for key in [
        "pattern",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "minProperties",
        "maxProperties",
        "default",
        "x-kubernetes-list-type",
        "x-kubernetes-list-map-keys",
        "x-kubernetes-map-type",
    ] {
        if !json_eq(up.get(key), ours.get(key)) {
            f.note(
                kind,
                p,
                "validation",
                format!(
                    "{key}: upstream {}, ours {}",
                    opt(up.get(key)),
                    opt(ours.get(key))
                ),
            );
        }
    }
    let rules = |s: &Value| {
        s.get("x-kubernetes-validations")
            .and_then(Value::as_array)
            .map_or(0, Vec::len)
    };
    if rules(up) != rules(ours) {
        f.note(
            kind,
            p,
            "validation",
            format!(
                "x-kubernetes-validations: upstream {} rules, ours {}",
                rules(up),
                rules(ours)
            ),
        );
    }
}

/// JSON equality with numbers compared by value (`100` equals `100.0`).
fn json_eq(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => x.as_f64() == y.as_f64(),
        (Some(Value::Array(x)), Some(Value::Array(y))) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_eq(Some(x), Some(y)))
        }
        (Some(Value::Object(x)), Some(Value::Object(y))) => {
            x.len() == y.len() && x.iter().all(|(k, v)| json_eq(Some(v), y.get(k)))
        }
        (a, b) => a == b,
    }
}

fn has(v: Option<&Value>) -> &'static str {
    if v.is_some() { "a schema" } else { "none" }
}

fn sorted_strings(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    out.sort();
    out
}

fn printer_columns(version: &Value) -> Vec<String> {
    version["additionalPrinterColumns"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            format!(
                "{}|{}|{}|{}|{}",
                c["name"].as_str().unwrap_or(""),
                c["type"].as_str().unwrap_or(""),
                c["jsonPath"].as_str().unwrap_or(""),
                c["format"].as_str().unwrap_or(""),
                c["priority"].as_i64().unwrap_or(0)
            )
        })
        .collect()
}

/// Compares names, scope, versions, subresources and printer columns of one CRD.
fn compare_crd(up: &Value, ours: &Value, label: &str, f: &mut Findings) {
    let (us, os) = (&up["spec"], &ours["spec"]);
    for key in ["group", "scope"] {
        if us[key] != os[key] {
            f.mismatch(
                label,
                key,
                "crd",
                format!("upstream {}, ours {}", us[key], os[key]),
            );
        }
    }
    let kind = us["names"]["kind"].as_str().unwrap_or("");
    let list_kind = |n: &Value| {
        n["listKind"]
            .as_str()
            .map_or_else(|| format!("{kind}List"), str::to_owned)
    };
    if list_kind(&us["names"]) != list_kind(&os["names"]) {
        f.mismatch(
            label,
            "names.listKind",
            "crd",
            format!(
                "upstream {}, ours {}",
                list_kind(&us["names"]),
                list_kind(&os["names"])
            ),
        );
    }
    for key in ["kind", "plural", "singular"] {
        if us["names"][key] != os["names"][key] {
            f.mismatch(
                label,
                &format!("names.{key}"),
                "crd",
                format!("upstream {}, ours {}", us["names"][key], os["names"][key]),
            );
        }
    }
    for key in ["shortNames", "categories"] {
        let (u, o) = (
            sorted_strings(&us["names"][key]),
            sorted_strings(&os["names"][key]),
        );
        if u != o {
            f.mismatch(
                label,
                &format!("names.{key}"),
                "crd",
                format!("upstream {u:?}, ours {o:?}"),
            );
        }
    }
    if up["metadata"]["name"] != ours["metadata"]["name"] {
        f.mismatch(
            label,
            "metadata.name",
            "crd",
            format!(
                "upstream {}, ours {}",
                up["metadata"]["name"], ours["metadata"]["name"]
            ),
        );
    }
    if us.get("conversion") != os.get("conversion") {
        f.mismatch(
            label,
            "conversion",
            "crd",
            format!(
                "upstream {}, ours {}",
                opt(us.get("conversion")),
                opt(os.get("conversion"))
            ),
        );
    }
    let versions = |s: &Value| -> BTreeMap<String, Value> {
        s["versions"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| (v["name"].as_str().unwrap_or("").to_owned(), v.clone()))
            .collect()
    };
    let (uv, ov) = (versions(us), versions(os));
    let (un, on): (Vec<_>, Vec<_>) = (uv.keys().collect(), ov.keys().collect());
    if un != on {
        f.mismatch(
            label,
            "versions",
            "crd",
            format!("upstream {un:?}, ours {on:?}"),
        );
    }
    for (name, u) in &uv {
        let Some(o) = ov.get(name) else { continue };
        let at = |k: &str| format!("versions[{name}].{k}");
        for key in ["served", "storage", "deprecated", "deprecationWarning"] {
            let (a, b) = (u.get(key), o.get(key));
            let norm = |x: Option<&Value>| x.cloned().unwrap_or(Value::Null);
            let differs = if key == "deprecated" {
                a.and_then(Value::as_bool).unwrap_or(false)
                    != b.and_then(Value::as_bool).unwrap_or(false)
            } else {
                norm(a) != norm(b)
            };
            if differs {
                f.mismatch(
                    label,
                    &at(key),
                    "crd",
                    format!("upstream {}, ours {}", opt(a), opt(b)),
                );
            }
        }
        let sub = |v: &Value| v.get("subresources").cloned().unwrap_or(Value::Null);
        let (us_, os_) = (sub(u), sub(o));
        let norm_sub = |s: &Value| -> Value {
            // `subresources: {}` equals none.
            if s.as_object().is_some_and(serde_json::Map::is_empty) {
                Value::Null
            } else {
                s.clone()
            }
        };
        if norm_sub(&us_) != norm_sub(&os_) {
            f.mismatch(
                label,
                &at("subresources"),
                "crd",
                format!("upstream {us_}, ours {os_}"),
            );
        }
        let (upc, opc) = (printer_columns(u), printer_columns(o));
        if upc != opc {
            f.mismatch(
                label,
                &at("additionalPrinterColumns"),
                "crd",
                format!("upstream {upc:?}, ours {opc:?} (name|type|jsonPath|format|priority)"),
            );
        }
        if u.get("selectableFields") != o.get("selectableFields") {
            f.mismatch(
                label,
                &at("selectableFields"),
                "crd",
                format!(
                    "upstream {}, ours {}",
                    opt(u.get("selectableFields")),
                    opt(o.get("selectableFields"))
                ),
            );
        }
    }
}

fn excepted(m: &Mismatch) -> Option<&'static Exception> {
    EXCEPTIONS.iter().find(|e| {
        let path_matches = match e.path.strip_prefix('*') {
            Some(suffix) => m.path.ends_with(suffix),
            None => e.path == m.path,
        };
        (e.kind == "*" || e.kind == m.kind) && path_matches && e.check == m.check
    })
}

#[test]
fn crds_match_upstream_schemas() {
    let ours = our_crds();
    let rust = rust_kinds();
    let mut f = Findings::default();
    let mut compared = Vec::new();

    // CRD level, against the CRD with most versions of each name.
    let upstream = upstream_crds();
    for up in &upstream {
        let label = format!("crd {}", up.name());
        match ours.get(up.name()) {
            Some(o) => compare_crd(&up.crd, o, &label, &mut f),
            None => f.mismatch(
                &label,
                "",
                "crd-missing",
                format!("upstream {} has it, crds::all() does not", up.file),
            ),
        }
    }
    let upstream_names: BTreeSet<&str> = upstream.iter().map(|c| c.name()).collect();
    for name in ours.keys() {
        if !upstream_names.contains(name.as_str()) {
            f.mismatch(
                &format!("crd {name}"),
                "",
                "crd-extra",
                "crds::all() has it, upstream does not".to_owned(),
            );
        }
    }

    // Schemas, against every upstream file (the addon v1alpha1 schemas are in two files).
    for file in upstream_crd_files() {
        for version in file.versions() {
            if version["served"] != Value::Bool(true) {
                continue;
            }
            let kv = KindVersion {
                group: file.group().to_owned(),
                version: version["name"].as_str().unwrap_or("").to_owned(),
                kind: file.kind().to_owned(),
            };
            let label = kv.to_string();
            if find_rust_kind(&rust, &kv.api_version(), &kv.kind).is_none() {
                f.mismatch(
                    &label,
                    "",
                    "no-rust-type",
                    "no Rust kind in ocm-api for it".to_owned(),
                );
            }
            let Some(our_schema) = our_schema(&ours, &kv) else {
                f.mismatch(
                    &label,
                    "",
                    "no-schema",
                    format!("crds::all() lacks it (upstream {})", file.file),
                );
                continue;
            };
            compare(
                &version["schema"]["openAPIV3Schema"],
                &our_schema,
                "",
                &label,
                &mut f,
            );
            compared.push(label);
        }
    }
    compared.sort();
    compared.dedup();

    let mut used = BTreeSet::new();
    let mut failing = Vec::new();
    let mut excused = Vec::new();
    for m in &f.mismatches {
        match excepted(m) {
            Some(e) => {
                used.insert((e.kind, e.path, e.check));
                excused.push(m);
            }
            None => failing.push(m),
        }
    }
    let stale: Vec<_> = EXCEPTIONS
        .iter()
        .filter(|e| e.kind != "*" && !used.contains(&(e.kind, e.path, e.check)))
        .collect();

    let mut report = String::new();
    let kind_labels: Vec<String> = upstream_kind_versions()
        .iter()
        .map(|(kv, _)| kv.to_string())
        .collect();
    let all_kinds: BTreeSet<&str> = kind_labels.iter().map(String::as_str).collect();
    report.push_str(&format!(
        "schema conformance against {UPSTREAM_MODULE}: {} upstream kind/versions, {} compared, \
         {} mismatches, {} excepted, {} notes\n",
        all_kinds.len(),
        compared.len(),
        failing.len(),
        excused.len(),
        f.notes.len()
    ));
    let mut by_kind: BTreeMap<&str, Vec<&Mismatch>> = BTreeMap::new();
    for m in &failing {
        by_kind.entry(&m.kind).or_default().push(m);
    }
    let mut notes_by_kind: BTreeMap<&str, Vec<&Mismatch>> = BTreeMap::new();
    for n in &f.notes {
        notes_by_kind.entry(&n.kind).or_default().push(n);
    }
    let mut labels: BTreeSet<&str> = all_kinds.clone();
    labels.extend(by_kind.keys());
    let verbose_notes = std::env::var_os("OCM_API_SCHEMA_NOTES").is_some();
    for label in labels {
        let ms = by_kind.get(label).map(Vec::as_slice).unwrap_or(&[]);
        let ns = notes_by_kind.get(label).map(Vec::as_slice).unwrap_or(&[]);
        let status = if ms.is_empty() { "ok" } else { "MISMATCH" };
        report.push_str(&format!(
            "{label}: {status} ({} mismatches, {} notes)\n",
            ms.len(),
            ns.len()
        ));
        for m in ms {
            report.push_str(&format!(
                "    {}: {}: {}\n",
                shown(&m.path),
                m.check,
                m.detail
            ));
        }
        if verbose_notes {
            for n in ns {
                report.push_str(&format!(
                    "    note {}: {}: {}\n",
                    shown(&n.path),
                    n.check,
                    n.detail
                ));
            }
        }
    }
    for e in EXCEPTIONS {
        let n = excused
            .iter()
            .filter(|m| excepted(m).is_some_and(|x| std::ptr::eq(x, e)))
            .count();
        report.push_str(&format!(
            "exception {} {} {} ({n} uses): {}\n",
            e.kind, e.path, e.check, e.reason
        ));
    }
    for e in &stale {
        report.push_str(&format!(
            "stale exception (no longer needed): {} {} {}\n",
            e.kind, e.path, e.check
        ));
    }
    eprintln!("{report}");
    assert!(
        failing.is_empty() && stale.is_empty(),
        "{} schema mismatches with upstream (see above); fix the type, or list a deliberate \
         exception in EXCEPTIONS and the crate docs",
        failing.len() + stale.len()
    );
}

/// The single-version addon CRD files and the two-version ones must agree on v1alpha1, else
/// "the upstream schema" of a kind/version would be ambiguous.
#[test]
fn upstream_files_agree() {
    let mut seen: BTreeMap<(String, String), (&str, &Value)> = BTreeMap::new();
    let mut problems = Vec::new();
    for file in upstream_crd_files() {
        for version in file.versions() {
            let key = (
                file.name().to_owned(),
                version["name"].as_str().unwrap_or("").to_owned(),
            );
            let schema = &version["schema"]["openAPIV3Schema"];
            if let Some((other, s)) = seen.get(&key) {
                if *s != schema {
                    problems.push(format!("{key:?}: {other} and {} differ", file.file));
                }
            } else {
                seen.insert(key, (&file.file, schema));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(
        upstream_kind_versions().len(),
        19,
        "upstream served kind/versions"
    );
}

/// The comparison itself must be able to fail: a schema compared with a damaged copy of itself
/// reports exactly the damage.
#[test]
fn comparison_detects_damage() {
    let (kv, schema) = upstream_kind_versions()
        .into_iter()
        .find(|(kv, _)| kv.kind == "Placement")
        .unwrap();
    let label = kv.to_string();
    let mut f = Findings::default();
    compare(schema, schema, "", &label, &mut f);
    assert!(f.mismatches.is_empty(), "{:#?}", f.mismatches);
    assert!(f.notes.is_empty());

    let mut damaged = schema.clone();
    let spec = damaged["properties"]["spec"]["properties"]
        .as_object_mut()
        .unwrap();
    spec.remove("numberOfClusters");
    spec.insert("extraField".into(), serde_json::json!({"type": "string"}));
    damaged["properties"]["spec"]["properties"]["clusterSets"]["items"]["type"] = "integer".into();
    let mut f = Findings::default();
    compare(schema, &damaged, "", &label, &mut f);
    let got: Vec<_> = f
        .mismatches
        .iter()
        .map(|m| (m.path.as_str(), m.check))
        .collect();
    assert_eq!(
        got,
        [
            ("spec.clusterSets[]", "type"),
            ("spec.extraField", "extra"),
            ("spec.numberOfClusters", "missing"),
        ]
    );
}

/// The CRD-level comparison must be able to fail too.
#[test]
fn crd_comparison_detects_damage() {
    let up = upstream_crds()
        .into_iter()
        .find(|c| c.kind() == "ManagedCluster")
        .unwrap();
    let mut f = Findings::default();
    compare_crd(&up.crd, &up.crd, "x", &mut f);
    assert!(f.mismatches.is_empty(), "{:#?}", f.mismatches);

    let mut damaged = up.crd.clone();
    damaged["spec"]["names"]["shortNames"] = serde_json::json!(["mcl"]);
    damaged["spec"]["scope"] = "Namespaced".into();
    damaged["spec"]["versions"][0]["subresources"] = serde_json::json!({});
    damaged["spec"]["versions"][0]["storage"] = false.into();
    let mut f = Findings::default();
    compare_crd(&up.crd, &damaged, "x", &mut f);
    let got: Vec<_> = f.mismatches.iter().map(|m| m.path.as_str()).collect();
    assert_eq!(
        got,
        [
            "names.shortNames",
            "scope",
            "versions[v1].storage",
            "versions[v1].subresources"
        ]
    );
}
