//! Shared pieces of the conformance tests: the upstream CRDs (from the Go module), the fixtures, the
//! registry of Rust kinds, and JSON-schema walking.
//!
//! Each test binary uses a different subset of this module.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use kube::Resource;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The upstream Go module whose CRD YAMLs are the schema truth.
pub const UPSTREAM_MODULE: &str = "open-cluster-management.io/api@v1.3.0";

// ---------------------------------------------------------------------------------------------
// Upstream CRDs
// ---------------------------------------------------------------------------------------------

/// The directory of [`UPSTREAM_MODULE`] in the Go module cache (downloaded if needed).
pub fn upstream_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let output = Command::new("go")
            .args(["mod", "download", "-json", UPSTREAM_MODULE])
            .current_dir(std::env::temp_dir())
            .output();
        let output = match output {
            Ok(output) => output,
            Err(err) => panic!(
                "the ocm-api conformance tests read the upstream CRDs from the Go module \
                 {UPSTREAM_MODULE}, located with `go mod download -json {UPSTREAM_MODULE}`, \
                 but running `go` failed: {err}.\nInstall Go (https://go.dev/dl/) and put it on PATH."
            ),
        };
        let stdout = String::from_utf8_lossy(&output.stdout);
        let info: Value = serde_json::from_str(&stdout).unwrap_or(Value::Null);
        match info.get("Dir").and_then(Value::as_str) {
            Some(dir) if output.status.success() => PathBuf::from(dir),
            _ => panic!(
                "`go mod download -json {UPSTREAM_MODULE}` failed ({}):\nstdout: {stdout}\nstderr: {}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            ),
        }
    })
}

/// One upstream CRD YAML file.
pub struct UpstreamCrd {
    /// Path relative to the module root, e.g. `cluster/v1/0000_00_...crd.yaml`.
    pub file: String,
    /// The CRD as JSON.
    pub crd: Value,
}

impl UpstreamCrd {
    /// `metadata.name`.
    pub fn name(&self) -> &str {
        self.crd["metadata"]["name"].as_str().unwrap_or("")
    }
    /// `spec.names.kind`.
    pub fn kind(&self) -> &str {
        self.crd["spec"]["names"]["kind"].as_str().unwrap_or("")
    }
    /// `spec.group`.
    pub fn group(&self) -> &str {
        self.crd["spec"]["group"].as_str().unwrap_or("")
    }
    /// `spec.versions`.
    pub fn versions(&self) -> &[Value] {
        self.crd["spec"]["versions"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}

/// Every `*.crd.yaml` of the upstream module, sorted by path.
pub fn upstream_crd_files() -> &'static [UpstreamCrd] {
    static FILES: OnceLock<Vec<UpstreamCrd>> = OnceLock::new();
    FILES.get_or_init(|| {
        let root = upstream_dir();
        let mut paths = Vec::new();
        walk(root, &mut |p| {
            if p.to_string_lossy().ends_with(".crd.yaml") {
                paths.push(p.to_owned());
            }
        });
        paths.sort();
        assert!(!paths.is_empty(), "no *.crd.yaml under {}", root.display());
        paths
            .into_iter()
            .map(|path| {
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
                let crd: Value = serde_saphyr::from_str(&text)
                    .unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()));
                let file = path
                    .strip_prefix(root)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .into_owned();
                UpstreamCrd { file, crd }
            })
            .collect()
    })
}

/// One CRD per name: where several files define the same CRD (the addon kinds: single-version
/// files in `addon/v1alpha1`, two-version files in `addon/v1beta1`), the one with most versions.
pub fn upstream_crds() -> Vec<&'static UpstreamCrd> {
    let mut by_name: BTreeMap<&str, &UpstreamCrd> = BTreeMap::new();
    for crd in upstream_crd_files() {
        let keep = by_name
            .get(crd.name())
            .is_none_or(|other| other.versions().len() < crd.versions().len());
        if keep {
            by_name.insert(crd.name(), crd);
        }
    }
    by_name.into_values().collect()
}

/// A kind at one version: what the tests iterate over.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KindVersion {
    /// e.g. `cluster.open-cluster-management.io`.
    pub group: String,
    /// e.g. `v1beta1`.
    pub version: String,
    /// e.g. `Placement`.
    pub kind: String,
}

impl KindVersion {
    /// `group/version`.
    pub fn api_version(&self) -> String {
        format!("{}/{}", self.group, self.version)
    }
    /// The fixture directory of this kind/version: `tests/fixtures/<group-dir>/<version>`.
    pub fn fixture_dir(&self) -> PathBuf {
        let group_dir = self.group.split('.').next().unwrap_or("");
        fixtures_root().join(group_dir).join(&self.version)
    }
}

impl std::fmt::Display for KindVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let group_dir = self.group.split('.').next().unwrap_or("");
        write!(f, "{group_dir}/{} {}", self.version, self.kind)
    }
}

/// Every served kind/version upstream, with its `openAPIV3Schema`.
pub fn upstream_kind_versions() -> Vec<(KindVersion, &'static Value)> {
    let mut out = Vec::new();
    for crd in upstream_crds() {
        for version in crd.versions() {
            if version["served"] != Value::Bool(true) {
                continue;
            }
            out.push((
                KindVersion {
                    group: crd.group().to_owned(),
                    version: version["name"].as_str().unwrap_or("").to_owned(),
                    kind: crd.kind().to_owned(),
                },
                &version["schema"]["openAPIV3Schema"],
            ));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

// ---------------------------------------------------------------------------------------------
// Our CRDs
// ---------------------------------------------------------------------------------------------

/// `ocm_api::crds::all()` as JSON, by CRD name.
pub fn our_crds() -> BTreeMap<String, Value> {
    ocm_api::crds::all()
        .into_iter()
        .map(|crd| {
            let value = serde_json::to_value(&crd).unwrap_or(Value::Null);
            (crd.metadata.name.clone().unwrap_or_default(), value)
        })
        .collect()
}

/// The `openAPIV3Schema` of one kind/version in `crds::all()`.
pub fn our_schema(crds: &BTreeMap<String, Value>, kv: &KindVersion) -> Option<Value> {
    crds.values()
        .filter(|crd| crd["spec"]["group"] == kv.group && crd["spec"]["names"]["kind"] == kv.kind)
        .flat_map(|crd| {
            crd["spec"]["versions"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .find(|v| v["name"] == kv.version)
        .map(|v| v["schema"]["openAPIV3Schema"].clone())
}

// ---------------------------------------------------------------------------------------------
// The registry of Rust kinds
// ---------------------------------------------------------------------------------------------

/// A Rust kind, type-erased.
pub struct RustKind {
    /// apiVersion from `kube::Resource`.
    pub api_version: String,
    /// kind from `kube::Resource`.
    pub kind: String,
    /// Decode (checking apiVersion/kind) and encode again.
    pub round_trip: fn(Value) -> Result<Value, String>,
    /// Decode unchecked (as a client reading an object does).
    pub decode: fn(Value) -> Result<(), ocm_api::Error>,
    /// Decode with `from_slice`.
    pub decode_slice: fn(&[u8]) -> Result<(), ocm_api::Error>,
    /// `to_dynamic` then `from_dynamic`, encoded.
    pub dynamic_round_trip: fn(Value) -> Result<Value, String>,
    /// Decode with plain `serde_json::from_value` and encode again.
    pub serde_round_trip: fn(Value) -> Result<Value, String>,
    /// Decode the bytes of a list (`{"items": [...]}`) as `kube::core::ObjectList<K>`, as
    /// `kube::Api::list` does; returns the number of items.
    pub decode_list: fn(&[u8]) -> Result<usize, String>,
}

fn round_trip<K: Resource<DynamicType = ()> + DeserializeOwned + Serialize>(
    value: Value,
) -> Result<Value, String> {
    let object: K = ocm_api::from_object(value).map_err(|e| e.to_string())?;
    serde_json::to_value(&object).map_err(|e| format!("encoding failed: {e}"))
}

fn decode<K: DeserializeOwned>(value: Value) -> Result<(), ocm_api::Error> {
    ocm_api::from_value::<K>(value).map(drop)
}

fn decode_slice<K: DeserializeOwned>(bytes: &[u8]) -> Result<(), ocm_api::Error> {
    ocm_api::from_slice::<K>(bytes).map(drop)
}

fn dynamic_round_trip<K: Resource<DynamicType = ()> + DeserializeOwned + Serialize>(
    value: Value,
) -> Result<Value, String> {
    let object: K = ocm_api::from_object(value).map_err(|e| e.to_string())?;
    let dynamic = ocm_api::to_dynamic(&object).map_err(|e| e.to_string())?;
    let back: K = ocm_api::from_dynamic(dynamic).map_err(|e| e.to_string())?;
    serde_json::to_value(&back).map_err(|e| format!("encoding failed: {e}"))
}

fn serde_round_trip<K: DeserializeOwned + Serialize>(value: Value) -> Result<Value, String> {
    let object: K = serde_json::from_value(value).map_err(|e| e.to_string())?;
    serde_json::to_value(&object).map_err(|e| format!("encoding failed: {e}"))
}

fn decode_list<K: DeserializeOwned + Clone>(bytes: &[u8]) -> Result<usize, String> {
    serde_json::from_slice::<kube::core::ObjectList<K>>(bytes)
        .map(|list| list.items.len())
        .map_err(|e| e.to_string())
}

fn rust_kind<K: Resource<DynamicType = ()> + DeserializeOwned + Serialize + Clone>() -> RustKind {
    RustKind {
        api_version: K::api_version(&()).into_owned(),
        kind: K::kind(&()).into_owned(),
        round_trip: round_trip::<K>,
        decode: decode::<K>,
        decode_slice: decode_slice::<K>,
        dynamic_round_trip: dynamic_round_trip::<K>,
        serde_round_trip: serde_round_trip::<K>,
        decode_list: decode_list::<K>,
    }
}

/// Every Rust kind of ocm-api. The tests require one for each upstream kind/version.
pub fn rust_kinds() -> Vec<RustKind> {
    use ocm_api::*;
    vec![
        // One line per upstream kind/version (19); the tests fail if one is missing.
        rust_kind::<cluster::v1::ManagedCluster>(),
        rust_kind::<cluster::v1alpha1::ClusterClaim>(),
        rust_kind::<cluster::v1alpha1::AddOnPlacementScore>(),
        rust_kind::<cluster::v1beta1::Placement>(),
        rust_kind::<cluster::v1beta1::PlacementDecision>(),
        rust_kind::<cluster::v1beta2::ManagedClusterSet>(),
        rust_kind::<cluster::v1beta2::ManagedClusterSetBinding>(),
        rust_kind::<work::v1::ManifestWork>(),
        rust_kind::<work::v1::AppliedManifestWork>(),
        rust_kind::<work::v1alpha1::ManifestWorkReplicaSet>(),
        rust_kind::<addon::v1alpha1::ClusterManagementAddOn>(),
        rust_kind::<addon::v1alpha1::ManagedClusterAddOn>(),
        rust_kind::<addon::v1alpha1::AddOnDeploymentConfig>(),
        rust_kind::<addon::v1alpha1::AddOnTemplate>(),
        rust_kind::<addon::v1beta1::ClusterManagementAddOn>(),
        rust_kind::<addon::v1beta1::ManagedClusterAddOn>(),
        rust_kind::<addon::v1beta1::AddOnDeploymentConfig>(),
        rust_kind::<operator::v1::ClusterManager>(),
        rust_kind::<operator::v1::Klusterlet>(),
    ]
}

/// The Rust kind for an apiVersion/kind.
pub fn find_rust_kind<'a>(
    kinds: &'a [RustKind],
    api_version: &str,
    kind: &str,
) -> Option<&'a RustKind> {
    kinds
        .iter()
        .find(|k| k.api_version == api_version && k.kind == kind)
}

/// The Go program behind [`go_pattern_mismatches`] (stdlib only).
const PATTERN_CHECKER: &str = r#"package main

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
)

func main() {
	var items [][3]string
	if err := json.NewDecoder(os.Stdin).Decode(&items); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	out := []string{}
	for _, it := range items {
		re, err := regexp.Compile(it[1])
		if err != nil {
			out = append(out, fmt.Sprintf("%s: pattern %q does not compile: %v", it[0], it[1], err))
		} else if !re.MatchString(it[2]) {
			out = append(out, fmt.Sprintf("%s: %q does not match pattern %s", it[0], it[2], it[1]))
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		os.Exit(2)
	}
}
"#;

/// Checks `(label, pattern, value)` triples with Go's `regexp` (what an apiserver uses for a
/// CRD `pattern`); returns one line per value that does not match, prefixed with its label.
pub fn go_pattern_mismatches(items: &[(String, String, String)]) -> Vec<String> {
    use std::io::Write;
    if items.is_empty() {
        return Vec::new();
    }
    let dir = std::env::temp_dir().join(format!("ocm-api-pattern-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
    let main = dir.join("main.go");
    std::fs::write(&main, PATTERN_CHECKER)
        .unwrap_or_else(|e| panic!("writing {}: {e}", main.display()));
    let mut child = Command::new("go")
        .args(["run", "main.go"])
        .current_dir(&dir)
        .env("GO111MODULE", "off")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("running `go run` for the pattern check: {e}"));
    let input: Vec<[&str; 3]> = items
        .iter()
        .map(|(a, b, c)| [a.as_str(), b.as_str(), c.as_str()])
        .collect();
    if let Some(mut stdin) = child.stdin.take() {
        let bytes = serde_json::to_vec(&input).unwrap_or_default();
        stdin
            .write_all(&bytes)
            .unwrap_or_else(|e| panic!("writing to the pattern checker: {e}"));
    }
    let output = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("waiting for the pattern checker: {e}"));
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        output.status.success(),
        "the Go pattern checker failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "pattern checker output is not a JSON list ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

/// `ocm-api/tests/fixtures`.
pub fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("fixtures")
}

/// One fixture file.
pub struct Fixture {
    /// Path relative to the fixtures root, e.g. `cluster/v1/ManagedCluster.full.json`.
    pub file: String,
    /// `<Kind>` of `<Kind>.<variant>.json`.
    pub file_kind: String,
    /// `<variant>` of `<Kind>.<variant>.json`: `full`, `full2`, `minimal`, ...
    pub variant: String,
    /// The raw bytes.
    pub bytes: Vec<u8>,
    /// The parsed JSON, or the parse error.
    pub value: Result<Value, String>,
}

impl Fixture {
    /// `apiVersion` of the fixture.
    pub fn api_version(&self) -> Option<&str> {
        self.value.as_ref().ok()?.get("apiVersion")?.as_str()
    }
    /// `kind` of the fixture.
    pub fn kind(&self) -> Option<&str> {
        self.value.as_ref().ok()?.get("kind")?.as_str()
    }
    /// A `full*` fixture (they must together cover the whole schema).
    pub fn is_full(&self) -> bool {
        self.variant.starts_with("full")
    }
}

/// Every `*.json` under the fixtures root, sorted.
pub fn fixtures() -> Vec<Fixture> {
    let root = fixtures_root();
    let mut paths = Vec::new();
    if root.exists() {
        walk(&root, &mut |p| {
            if p.extension().is_some_and(|e| e == "json") {
                paths.push(p.to_owned());
            }
        });
    }
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).unwrap_or_default();
            let value = serde_json::from_slice(&bytes).map_err(|e| e.to_string());
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let stem = name.trim_end_matches(".json");
            let (file_kind, variant) = stem.split_once('.').unwrap_or((stem, ""));
            Fixture {
                file: path
                    .strip_prefix(&root)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .into_owned(),
                file_kind: file_kind.to_owned(),
                variant: variant.to_owned(),
                bytes,
                value,
            }
        })
        .collect()
}

/// The fixtures of one kind/version (by directory and file name).
pub fn fixtures_of<'a>(all: &'a [Fixture], kv: &KindVersion) -> Vec<&'a Fixture> {
    let dir = kv.fixture_dir();
    let root = fixtures_root();
    let rel = dir
        .strip_prefix(&root)
        .unwrap_or(&dir)
        .to_string_lossy()
        .into_owned();
    all.iter()
        .filter(|f| {
            f.file_kind == kv.kind
                && Path::new(&f.file)
                    .parent()
                    .map(|p| p.to_string_lossy().into_owned())
                    == Some(rel.clone())
        })
        .collect()
}

fn walk(dir: &Path, f: &mut dyn FnMut(&Path)) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, f);
        } else {
            f(&path);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Schema walking
// ---------------------------------------------------------------------------------------------

/// The properties of a schema node, including those of `allOf`/`anyOf`/`oneOf` branches.
pub fn properties(schema: &Value) -> BTreeMap<String, &Value> {
    let mut out = BTreeMap::new();
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (k, v) in props {
            out.insert(k.clone(), v);
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        for branch in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            for (k, v) in properties(branch) {
                out.entry(k).or_insert(v);
            }
        }
    }
    out
}

/// `items` of an array node.
pub fn items(schema: &Value) -> Option<&Value> {
    schema.get("items").filter(|i| i.is_object())
}

/// The value schema of a map node (`additionalProperties: {schema}`).
pub fn map_values(schema: &Value) -> Option<&Value> {
    schema.get("additionalProperties").filter(|a| a.is_object())
}

/// A boolean extension flag (absent = false).
pub fn flag(schema: &Value, name: &str) -> bool {
    schema.get(name).and_then(Value::as_bool).unwrap_or(false)
}

/// `type` of a node, if any.
pub fn type_of(schema: &Value) -> Option<&str> {
    schema.get("type").and_then(Value::as_str)
}

/// The non-null values of `enum`, as a sorted set of JSON strings.
pub fn enum_values(schema: &Value) -> Option<BTreeSet<String>> {
    let values = schema.get("enum")?.as_array()?;
    Some(
        values
            .iter()
            .filter(|v| !v.is_null())
            .map(Value::to_string)
            .collect(),
    )
}

/// Every property path of a schema: objects recurse (`a.b`), arrays look at elements (`a[]`),
/// maps at values (`a{}`). Returns `(path, node)` for every node below the root.
pub fn schema_paths<'a>(schema: &'a Value, prefix: &str, out: &mut Vec<(String, &'a Value)>) {
    for (name, prop) in properties(schema) {
        let path = join(prefix, &name);
        out.push((path.clone(), prop));
        schema_paths_below(prop, &path, out);
    }
}

fn schema_paths_below<'a>(node: &'a Value, path: &str, out: &mut Vec<(String, &'a Value)>) {
    if flag(node, "x-kubernetes-int-or-string") {
        return;
    }
    if let Some(items) = items(node) {
        let p = format!("{path}[]");
        out.push((p.clone(), items));
        schema_paths_below(items, &p, out);
    }
    if let Some(values) = map_values(node) {
        let p = format!("{path}{{}}");
        out.push((p.clone(), values));
        schema_paths_below(values, &p, out);
    }
    schema_paths(node, path, out);
}

/// `prefix.name` (or `name` at the root).
pub fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

/// The paths (in [`schema_paths`] notation) that a JSON value sets with a non-null value,
/// following `schema`. Keys unknown to the schema (which an apiserver would prune) are reported in
/// `unknown`. The `metadata` of the object and of embedded resources is not looked into.
pub fn value_paths(
    value: &Value,
    schema: &Value,
    path: &str,
    set: &mut BTreeSet<String>,
    unknown: &mut Vec<String>,
) {
    if value.is_null() {
        return;
    }
    if !path.is_empty() {
        set.insert(path.to_owned());
    }
    if flag(schema, "x-kubernetes-int-or-string") {
        return;
    }
    match value {
        Value::Object(map) => {
            let props = properties(schema);
            let values_schema = map_values(schema);
            let has_meta = path.is_empty() || flag(schema, "x-kubernetes-embedded-resource");
            for (k, v) in map {
                let child = join(path, k);
                if has_meta && k == "metadata" {
                    if !v.is_null() {
                        set.insert(child);
                    }
                } else if let Some(prop) = props.get(k) {
                    value_paths(v, prop, &child, set, unknown);
                } else if let Some(vs) = values_schema {
                    value_paths(v, vs, &format!("{path}{{}}"), set, unknown);
                } else if !flag(schema, "x-kubernetes-preserve-unknown-fields") {
                    unknown.push(child);
                }
            }
        }
        Value::Array(elements) => {
            if let Some(items) = items(schema) {
                for e in elements {
                    value_paths(e, items, &format!("{path}[]"), set, unknown);
                }
            }
        }
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------------
// JSON diff
// ---------------------------------------------------------------------------------------------

/// The differences between two JSON values, one line per path.
pub fn json_diff(expected: &Value, actual: &Value) -> Vec<String> {
    let mut out = Vec::new();
    diff_into(expected, actual, "", &mut out);
    out
}

fn diff_into(expected: &Value, actual: &Value, path: &str, out: &mut Vec<String>) {
    let shown = if path.is_empty() { "." } else { path };
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                match a.get(k) {
                    Some(av) => diff_into(ev, av, &join(path, k), out),
                    None => out.push(format!("  {}: dropped (was {})", join(path, k), short(ev))),
                }
            }
            for (k, av) in a {
                if !e.contains_key(k) {
                    out.push(format!("  {}: added {}", join(path, k), short(av)));
                }
            }
        }
        (Value::Array(e), Value::Array(a)) if e.len() == a.len() => {
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                diff_into(ev, av, &format!("{path}[{i}]"), out);
            }
        }
        _ if expected == actual => {}
        _ => out.push(format!(
            "  {shown}: {} -> {}",
            short(expected),
            short(actual)
        )),
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 120 {
        format!("{}…", s.chars().take(117).collect::<String>())
    } else {
        s
    }
}
