//! `work.open-cluster-management.io/v1`: [`ManifestWork`] and [`AppliedManifestWork`].
//!
//! A [`ManifestWork`] lives on the hub, in the namespace of the managed cluster it targets, and
//! carries a list of Kubernetes objects ([`Manifest`]s) for the work agent on that cluster to apply.
//! The agent reports per-manifest conditions and status feedback back into
//! [`ManifestWorkStatus`], and records what it applied in a cluster-scoped
//! [`AppliedManifestWork`] on the managed cluster.
//!
//! Wire format: every type mirrors the Go type of `open-cluster-management.io/api` v1.3.0 field
//! by field. Fields Go always writes (no `omitempty`, or a non-pointer struct) are always
//! serialized here too; fields with `omitempty` are skipped when empty.

use std::borrow::Cow;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};

use crate::schema::{condition_list, no_default};
use crate::serde_util::null_as_default;

/// The field manager the work agent uses for server-side apply when
/// [`ServerSideApplyConfig::field_manager`] is unset; any custom manager must start with it.
pub const DEFAULT_FIELD_MANAGER: &str = "work-agent";

// ---------------------------------------------------------------------------------------------
// ManifestWork
// ---------------------------------------------------------------------------------------------

crate::kind::custom_resource! {
    /// A set of Kubernetes objects the hub deploys on one managed cluster.
    ///
    /// Created on the hub in the managed cluster's namespace; the work agent on that cluster
    /// applies the manifests and reports their state in `status`.
    ///
    /// Upstream's CRD does not require `spec`: Go always writes it, and an absent or `null` one
    /// reads as the default.
    pub struct ManifestWork {
        group: "work.open-cluster-management.io",
        version: "v1",
        plural: "manifestworks",
        scope: NamespaceResourceScope,
        spec(optional): ManifestWorkSpec,
        status(omitempty): ManifestWorkStatus,
    }
}

/// The desired state of a [`ManifestWork`]: the manifests to deploy on the managed cluster and how
/// to apply, watch and delete them.
///
/// The `ManifestWork` kind itself is a namespaced resource created on the hub in the namespace
/// of the target managed cluster; the work agent of that cluster applies its manifests.
///
/// Upstream's `spec` is optional in the CRD but Go always writes it; reading a `ManifestWork`
/// requires `spec` to be present.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ManifestWorkSpec {
    /// The manifests to deploy on the managed cluster.
    ///
    /// Always written (Go never omits a struct), as `{}` when there are no manifests.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(transform = no_default)]
    pub workload: ManifestsTemplate,

    /// How the applied resources are deleted when the work is deleted; `Foreground` deletion of
    /// everything when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete_option: Option<DeleteOption>,

    /// Per-manifest options: status feedback, update strategy and condition rules.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub manifest_configs: Vec<ManifestConfigOption>,

    /// The identity the work agent uses to apply the manifests (and whose permissions it checks);
    /// the agent's own identity when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executor: Option<ManifestWorkExecutor>,
}

/// One Kubernetes object to deploy on the managed cluster.
///
/// Upstream this is a `runtime.RawExtension`: the object is kept here losslessly as free-form
/// JSON, exactly as read (`null` included). The schema marks it as an embedded resource whose
/// unknown fields are preserved, as upstream's does.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(transparent)]
pub struct Manifest(pub serde_json::Value);

impl Manifest {
    /// Wraps an already-encoded object.
    pub fn new(object: serde_json::Value) -> Self {
        Self(object)
    }

    /// Encodes any serializable object (a typed `k8s_openapi` resource, a custom resource, ...)
    /// as a manifest.
    ///
    /// # Errors
    ///
    /// Fails when the object cannot be encoded as JSON (for example a map with non-string keys).
    pub fn try_from_object<T: Serialize>(object: &T) -> Result<Self, serde_json::Error> {
        serde_json::to_value(object).map(Self)
    }

    /// The raw object.
    pub fn as_value(&self) -> &serde_json::Value {
        &self.0
    }

    /// Consumes the manifest, returning the raw object.
    pub fn into_value(self) -> serde_json::Value {
        self.0
    }
}

impl From<serde_json::Value> for Manifest {
    fn from(object: serde_json::Value) -> Self {
        Self(object)
    }
}

impl JsonSchema for Manifest {
    fn schema_name() -> Cow<'static, str> {
        "Manifest".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "object",
            "x-kubernetes-embedded-resource": true,
            "x-kubernetes-preserve-unknown-fields": true,
        })
    }
}

/// The manifests of a [`ManifestWorkSpec`].
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ManifestsTemplate {
    /// The Kubernetes objects to deploy on the managed cluster.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub manifests: Vec<Manifest>,
}

/// How the resources of a [`ManifestWork`] are treated when the work is deleted.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeleteOption {
    /// Whether the resources are deleted (`Foreground`), all kept (`Orphan`) or kept only as
    /// listed in [`selectively_orphan`](Self::selectively_orphan) (`SelectivelyOrphan`).
    ///
    /// Always written.
    #[serde(default)]
    #[schemars(extend("default" = "Foreground"))]
    pub propagation_policy: DeletePropagationPolicyType,

    /// The resources to orphan when the policy is `SelectivelyOrphan`.
    #[serde(
        default,
        rename = "selectivelyOrphans",
        skip_serializing_if = "Option::is_none"
    )]
    pub selectively_orphan: Option<SelectivelyOrphan>,

    /// Seconds after the work is marked `Complete` (by its condition rules) after which it is
    /// deleted automatically; `0` deletes it right away, unset never deletes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_seconds_after_finished: Option<i64>,
}

/// The deletion propagation policy of a [`DeleteOption`].
#[derive(
    Serialize,
    Deserialize,
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    JsonSchema,
)]
#[non_exhaustive]
pub enum DeletePropagationPolicyType {
    /// Delete every resource of the work, waiting for them to be gone (the default).
    #[default]
    Foreground,
    /// Leave every resource of the work on the managed cluster.
    Orphan,
    /// Leave only the resources listed in [`SelectivelyOrphan`]; delete the others.
    ///
    /// Meant for handing resources over from one `ManifestWork` to another.
    SelectivelyOrphan,
}

/// The resources to leave on the managed cluster when a [`ManifestWork`] is deleted.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SelectivelyOrphan {
    /// Each rule names one resource of the work to orphan.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub orphaning_rules: Vec<OrphaningRule>,
}

/// Identifies one resource deployed by a [`ManifestWork`].
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResourceIdentifier {
    /// The API group of the resource; empty for the core group. Always written.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(transform = no_default)]
    pub group: String,

    /// The resource (plural) name, e.g. `deployments`.
    pub resource: String,

    /// The name of the object.
    pub name: String,

    /// The namespace of the object; empty for a cluster-scoped resource. Always written.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(transform = no_default)]
    pub namespace: String,
}

/// One resource of a [`ManifestWork`] to orphan on deletion (upstream a distinct Go type with the
/// fields of [`ResourceIdentifier`]).
pub type OrphaningRule = ResourceIdentifier;

/// Options for one manifest of the workload, selected by its [`ResourceIdentifier`].
///
/// Options naming a resource the work does not create are ignored.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ManifestConfigOption {
    /// The resource these options apply to.
    pub resource_identifier: ResourceIdentifier,

    /// Which status fields of the resource the agent reports back; none when empty.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub feedback_rules: Vec<FeedbackRule>,

    /// How the agent updates the resource; `Update` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_strategy: Option<UpdateStrategy>,

    /// Rules setting conditions on the manifest (and so on the work), one per condition type.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["condition"]))]
    pub condition_rules: Vec<ConditionRule>,

    /// Whether the agent polls or watches the resource for status feedback; `Poll` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "Poll"))]
    pub feedback_scrape_type: Option<FeedbackScrapeType>,
}

impl ManifestConfigOption {
    /// Options for the given resource, with nothing set.
    pub fn new(resource_identifier: ResourceIdentifier) -> Self {
        Self {
            resource_identifier,
            feedback_rules: Vec::new(),
            update_strategy: None,
            condition_rules: Vec::new(),
            feedback_scrape_type: None,
        }
    }
}

/// How the agent sets a condition of a manifest.
///
/// The CRD rejects a `CEL` rule with an empty `condition`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [{
    "message": "Condition is required for CEL rules",
    "rule": "self.type != 'CEL' || self.condition != \"\"",
}]))]
pub struct ConditionRule {
    /// The condition type this rule sets. `Complete` is special: a completed manifest is no
    /// longer updated.
    pub condition: String,

    /// How the condition is evaluated.
    #[serde(rename = "type")]
    pub type_: ConditionRuleType,

    /// CEL expressions (for `type: CEL`); the condition is true when all of them are.
    /// Always written.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(transform = no_default)]
    pub cel_expressions: Vec<String>,

    /// The message set on the condition. Always written.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(transform = no_default)]
    pub message: String,

    /// A CEL expression (over `object` and `result`) computing the message; overrides
    /// [`message`](Self::message) when it yields a non-empty string. Always written.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(transform = no_default)]
    pub message_expression: String,
}

/// How a [`ConditionRule`] is evaluated.
#[derive(
    Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, JsonSchema,
)]
#[non_exhaustive]
pub enum ConditionRuleType {
    /// Built-in rules for common `k8s.io/api` types (e.g. a finished Job is `Complete`).
    WellKnownConditions,
    /// The rule's `celExpressions`.
    #[serde(rename = "CEL")]
    Cel,
}

/// How the agent gets the status of a resource for feedback.
#[derive(
    Serialize,
    Deserialize,
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    JsonSchema,
)]
#[non_exhaustive]
pub enum FeedbackScrapeType {
    /// Poll the resource periodically (the default).
    #[default]
    Poll,
    /// Watch the resource.
    Watch,
}

/// The identity the work agent uses to apply a [`ManifestWork`].
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ManifestWorkExecutor {
    /// The subject the agent acts as on the managed cluster. Always written.
    #[serde(default)]
    #[schemars(transform = no_default)]
    pub subject: ManifestWorkExecutorSubject,
}

/// The subject a [`ManifestWorkExecutor`] acts as; the agent checks the manifests are within
/// its permissions.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ManifestWorkExecutorSubject {
    /// The kind of subject.
    #[serde(rename = "type")]
    pub type_: ManifestWorkExecutorSubjectType,

    /// The service account, when the type is `ServiceAccount`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account: Option<ManifestWorkSubjectServiceAccount>,
}

/// The kind of a [`ManifestWorkExecutorSubject`].
#[derive(
    Serialize,
    Deserialize,
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    JsonSchema,
)]
#[non_exhaustive]
pub enum ManifestWorkExecutorSubjectType {
    /// A service account on the managed cluster (the only kind upstream supports).
    #[default]
    ServiceAccount,
}

/// A service account on the managed cluster.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ManifestWorkSubjectServiceAccount {
    /// The namespace of the service account.
    #[schemars(
        length(min = 1, max = 253),
        regex(pattern = r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)$")
    )]
    pub namespace: String,

    /// The name of the service account.
    #[schemars(
        length(min = 1, max = 253),
        regex(pattern = r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)$")
    )]
    pub name: String,
}

/// How the agent updates one manifest on the managed cluster.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("required" = ["type"]))]
pub struct UpdateStrategy {
    /// The update strategy; `Update` when unset (the CRD defaults it).
    ///
    /// Upstream has `omitempty` on this field, but it is never empty once stored, so it is always
    /// written here.
    #[serde(rename = "type", default)]
    #[schemars(extend("default" = "Update"))]
    pub type_: UpdateStrategyType,

    /// Server-side apply options, honoured with type `ServerSideApply`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_side_apply: Option<ServerSideApplyConfig>,
}

/// The strategy of an [`UpdateStrategy`].
#[derive(
    Serialize,
    Deserialize,
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    JsonSchema,
)]
#[non_exhaustive]
pub enum UpdateStrategyType {
    /// Update the resource with an update call (the default).
    #[default]
    Update,
    /// Create the resource if missing and never update it.
    CreateOnly,
    /// Server-side apply the resource with the work agent as field manager; a conflict sets the
    /// manifest's `Applied` condition to false with reason `ApplyConflict`.
    ServerSideApply,
    /// Only check the resource exists (only its metadata is needed); status feedback still works.
    ReadOnly,
}

/// Server-side apply options of an [`UpdateStrategy`].
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServerSideApplyConfig {
    /// Force the apply, taking over conflicting fields. Always written.
    #[serde(default)]
    #[schemars(transform = no_default)]
    pub force: bool,

    /// The field manager; [`DEFAULT_FIELD_MANAGER`] when unset, and must start with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^work-agent"), extend("default" = "work-agent"))]
    pub field_manager: Option<String>,

    /// Fields of the resource the agent leaves alone, one entry per condition.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["condition"]))]
    pub ignore_fields: Vec<IgnoreField>,
}

/// Fields of a resource that server-side apply leaves alone under a condition.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct IgnoreField {
    /// When the fields are ignored; otherwise nothing is.
    #[schemars(extend("default" = "OnSpokePresent"))]
    pub condition: IgnoreFieldsCondition,

    /// Kubernetes JSONPath expressions of the ignored fields.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub json_paths: Vec<String>,

    /// JSON Pointers (RFC 6901, e.g. `/spec/replicas`) of the ignored fields.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub json_pointers: Vec<String>,

    /// jq path expressions of the ignored fields.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub jq_path_expressions: Vec<String>,
}

/// When the fields of an [`IgnoreField`] are ignored.
#[derive(
    Serialize,
    Deserialize,
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    JsonSchema,
)]
#[non_exhaustive]
pub enum IgnoreFieldsCondition {
    /// Whenever the resource exists on the managed cluster (the default).
    #[default]
    OnSpokePresent,
    /// When another actor on the managed cluster changed the fields.
    OnSpokeChange,
}

/// Which status fields of a resource the agent reports in [`StatusFeedbackResult`].
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FeedbackRule {
    /// Whether built-in fields or the listed JSON paths are reported.
    #[serde(rename = "type")]
    pub type_: FeedBackType,

    /// The paths (under `.status`) to report, for type `JSONPaths`.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["name"]))]
    pub json_paths: Vec<JsonPath>,
}

/// The kind of a [`FeedbackRule`].
#[derive(
    Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, JsonSchema,
)]
#[non_exhaustive]
pub enum FeedBackType {
    /// Built-in status fields of common `k8s.io/api` and OCM types.
    WellKnownStatus,
    /// The fields at the rule's `jsonPaths`.
    #[serde(rename = "JSONPaths")]
    JsonPaths,
}

/// One status field to report back, named by an alias.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct JsonPath {
    /// The alias the value is reported under.
    pub name: String,

    /// The resource version the path is resolved against; the latest when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,

    /// Kubernetes JSONPath of the field under `.status`; it must point to a single integer, string
    /// or boolean.
    pub path: String,
}

// ---------------------------------------------------------------------------------------------
// ManifestWork status
// ---------------------------------------------------------------------------------------------

/// The observed state of a [`ManifestWork`], reported by the work agent.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ManifestWorkStatus {
    /// Conditions of the work as a whole (`Applied`, `Progressing`, `Available`, `Degraded`,
    /// `Complete`, `Deleting`).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schemars(transform = condition_list)]
    pub conditions: Vec<Condition>,

    /// The state of each manifest. Always written.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(transform = no_default)]
    pub resource_status: ManifestResourceStatus,
}

/// The state of each manifest of a [`ManifestWork`].
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ManifestResourceStatus {
    /// One entry per manifest.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub manifests: Vec<ManifestCondition>,
}

/// The state of one manifest of a [`ManifestWork`] on the managed cluster.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ManifestCondition {
    /// Which manifest (by ordinal) and which resource this is.
    pub resource_meta: ManifestResourceMeta,

    /// The status values reported by the feedback rules. Always written.
    #[serde(
        default,
        rename = "statusFeedback",
        deserialize_with = "null_as_default"
    )]
    #[schemars(transform = no_default)]
    pub status_feedbacks: StatusFeedbackResult,

    /// Conditions of the resource (`Applied`, `Progressing`, `Available`, `Degraded`,
    /// `Complete`, ...). Always written.
    #[serde(deserialize_with = "null_as_default")]
    #[schemars(transform = condition_list)]
    pub conditions: Vec<Condition>,
}

/// Identifies a manifest of a [`ManifestWork`] by its index and its resource coordinates.
///
/// Every field is always written.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ManifestResourceMeta {
    /// The index of the manifest in `spec.workload.manifests`.
    pub ordinal: i32,

    /// The API group; empty for the core group.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(transform = no_default)]
    pub group: String,

    /// The API version.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(transform = no_default)]
    pub version: String,

    /// The kind.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(transform = no_default)]
    pub kind: String,

    /// The resource (plural) name.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(transform = no_default)]
    pub resource: String,

    /// The object name.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(transform = no_default)]
    pub name: String,

    /// The object namespace; empty for a cluster-scoped resource.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(transform = no_default)]
    pub namespace: String,
}

/// The status values reported for one manifest by its [`FeedbackRule`]s.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatusFeedbackResult {
    /// The reported values, one per alias.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["name"]))]
    pub values: Vec<FeedbackValue>,
}

/// One reported status value.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FeedbackValue {
    /// The alias from the [`JsonPath`] (or the built-in rule) that produced the value.
    pub name: String,

    /// The value.
    #[serde(rename = "fieldValue")]
    pub value: FieldValue,
}

/// A reported status value: an integer, string, boolean, or (for lists and objects) raw JSON.
///
/// The member matching [`type_`](Self::type_) is set.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FieldValue {
    /// Which member holds the value.
    #[serde(rename = "type")]
    pub type_: ValueType,

    /// The value, for type `Integer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integer: Option<i64>,

    /// The value, for type `String`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub string: Option<String>,

    /// The value, for type `Boolean`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boolean: Option<bool>,

    /// The value encoded as a JSON string (at most 1024 bytes), for type `JsonRaw`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 1024))]
    pub json_raw: Option<String>,
}

impl FieldValue {
    /// An integer value.
    pub fn integer(value: i64) -> Self {
        Self {
            type_: ValueType::Integer,
            integer: Some(value),
            string: None,
            boolean: None,
            json_raw: None,
        }
    }

    /// A string value.
    pub fn string(value: impl Into<String>) -> Self {
        Self {
            type_: ValueType::String,
            integer: None,
            string: Some(value.into()),
            boolean: None,
            json_raw: None,
        }
    }

    /// A boolean value.
    pub fn boolean(value: bool) -> Self {
        Self {
            type_: ValueType::Boolean,
            integer: None,
            string: None,
            boolean: Some(value),
            json_raw: None,
        }
    }

    /// A list or object value, as its JSON encoding.
    pub fn json_raw(value: impl Into<String>) -> Self {
        Self {
            type_: ValueType::JsonRaw,
            integer: None,
            string: None,
            boolean: None,
            json_raw: Some(value.into()),
        }
    }
}

/// The type of a [`FieldValue`].
#[derive(
    Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, JsonSchema,
)]
#[non_exhaustive]
pub enum ValueType {
    /// [`FieldValue::integer`] is set.
    Integer,
    /// [`FieldValue::string`] is set.
    String,
    /// [`FieldValue::boolean`] is set.
    Boolean,
    /// [`FieldValue::json_raw`] is set.
    JsonRaw,
}

// ---------------------------------------------------------------------------------------------
// AppliedManifestWork
// ---------------------------------------------------------------------------------------------

crate::kind::custom_resource! {
    /// The record, on a managed cluster, of a hub `ManifestWork` applied there and of the
    /// resources it created.
    ///
    /// Deleting it (e.g. after the agent is removed) deletes those resources. Its name is
    /// `{hub hash}-{manifestwork name}`.
    ///
    /// Upstream's CRD does not require `spec`: the agent always writes it, and an absent or
    /// `null` one reads as the default.
    pub struct AppliedManifestWork {
        group: "work.open-cluster-management.io",
        version: "v1",
        plural: "appliedmanifestworks",
        scope: ClusterResourceScope,
        spec(optional): AppliedManifestWorkSpec,
        status(omitempty): AppliedManifestWorkStatus,
    }
}

/// The desired state of an [`AppliedManifestWork`]: which hub and which `ManifestWork` it
/// belongs to.
///
/// The `AppliedManifestWork` kind is cluster-scoped and lives on the managed cluster; its name is
/// `{hub hash}-{manifestwork name}`.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppliedManifestWorkSpec {
    /// A hash of the hub's first kube-apiserver URL, identifying the hub.
    pub hub_hash: String,

    /// The ID of the work agent handling this work. Always written.
    #[serde(default, rename = "agentID", deserialize_with = "null_as_default")]
    #[schemars(transform = no_default)]
    pub agent_id: String,

    /// The name of the `ManifestWork` on the hub.
    pub manifest_work_name: String,
}

/// The observed state of an [`AppliedManifestWork`].
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppliedManifestWorkStatus {
    /// The resources applied for the work. A resource whose manifest leaves the work is removed
    /// from the list and deleted from the cluster.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub applied_resources: Vec<AppliedManifestResourceMeta>,

    /// When eviction of this work started: it is evicted after a grace period when its
    /// `ManifestWork` is gone from the hub or its hub hash no longer matches the agent's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eviction_start_time: Option<Time>,
}

/// A resource applied for a `ManifestWork`: its group, version, resource, namespace and name.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("required" = ["name", "resource", "version"]))]
pub struct AppliedManifestResourceMeta {
    /// Group, resource, name and namespace (inlined on the wire).
    #[serde(flatten)]
    pub resource_identifier: ResourceIdentifier,

    /// The API version.
    pub version: String,

    /// The UID of the resource, set once the controller deleted it (it may still be visible
    /// while its finalizers run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use kube::{CustomResourceExt, Resource};
    use pretty_assertions::assert_eq;
    use serde_json::{Value, json};

    fn fixture(name: &str) -> Value {
        let path = format!(
            "{}/tests/fixtures/work/v1/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn round_trip<K: serde::de::DeserializeOwned + Serialize>(name: &str) -> K {
        let input = fixture(name);
        let object: K = serde_path_to_error::deserialize(input.clone())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let output = serde_json::to_value(&object).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(input, output, "{name} does not round-trip");
        object
    }

    #[test]
    fn manifest_work_fixtures_round_trip() {
        let full: ManifestWork = round_trip("ManifestWork.full.json");
        assert_eq!(full.spec.workload.manifests.len(), 2);
        let status = full
            .status
            .as_ref()
            .map(|s| s.resource_status.manifests.len());
        assert_eq!(status, Some(2));
        let minimal: ManifestWork = round_trip("ManifestWork.minimal.json");
        assert_eq!(minimal.spec, ManifestWorkSpec::default());
    }

    #[test]
    fn applied_manifest_work_fixtures_round_trip() {
        let full: AppliedManifestWork = round_trip("AppliedManifestWork.full.json");
        let resources = full.status.map(|s| s.applied_resources).unwrap_or_default();
        assert_eq!(resources.len(), 2);
        assert_eq!(resources[0].resource_identifier.resource, "deployments");
        round_trip::<AppliedManifestWork>("AppliedManifestWork.minimal.json");
    }

    #[test]
    fn manifest_work_crd() {
        let crd = ManifestWork::crd();
        assert_eq!(crd.spec.group, crate::work::GROUP);
        assert_eq!(crd.spec.names.plural, "manifestworks");
        assert_eq!(crd.spec.names.kind, "ManifestWork");
        assert_eq!(crd.spec.scope, "Namespaced");
        assert_eq!(crd.spec.versions.len(), 1);
        assert_eq!(crd.spec.versions[0].name, "v1");
        assert!(
            crd.spec.versions[0]
                .subresources
                .as_ref()
                .is_some_and(|s| s.status.is_some())
        );
        assert_eq!(
            ManifestWork::api_version(&()),
            "work.open-cluster-management.io/v1"
        );
    }

    #[test]
    fn applied_manifest_work_crd() {
        let crd = AppliedManifestWork::crd();
        assert_eq!(crd.spec.group, crate::work::GROUP);
        assert_eq!(crd.spec.names.plural, "appliedmanifestworks");
        assert_eq!(crd.spec.scope, "Cluster");
        assert_eq!(crd.spec.versions[0].name, "v1");
        assert!(
            crd.spec.versions[0]
                .subresources
                .as_ref()
                .is_some_and(|s| s.status.is_some())
        );
    }

    #[test]
    fn go_nulls_are_accepted() {
        // What Go writes for nil slices/pointers without omitempty.
        let work: ManifestWork = serde_json::from_value(json!({
            "apiVersion": "work.open-cluster-management.io/v1",
            "kind": "ManifestWork",
            "metadata": {"name": "w", "namespace": "cluster1"},
            "spec": {"workload": {"manifests": null}, "manifestConfigs": null},
            "status": {
                "conditions": null,
                "resourceStatus": {"manifests": [{
                    "resourceMeta": {"ordinal": 0, "group": null},
                    "statusFeedback": {"values": null},
                    "conditions": null,
                }]},
            },
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        let manifests = work
            .status
            .map(|s| s.resource_status.manifests)
            .unwrap_or_default();
        assert_eq!(manifests.len(), 1);
        assert!(manifests[0].conditions.is_empty());
    }

    #[test]
    fn always_written_fields_are_written() {
        let rule = ConditionRule {
            condition: "Complete".into(),
            type_: ConditionRuleType::WellKnownConditions,
            cel_expressions: Vec::new(),
            message: String::new(),
            message_expression: String::new(),
        };
        assert_eq!(
            serde_json::to_value(&rule).ok(),
            Some(json!({
                "condition": "Complete",
                "type": "WellKnownConditions",
                "celExpressions": [],
                "message": "",
                "messageExpression": "",
            }))
        );
        assert_eq!(
            serde_json::to_value(DeleteOption::default()).ok(),
            Some(json!({"propagationPolicy": "Foreground"}))
        );
        assert_eq!(
            serde_json::to_value(ServerSideApplyConfig::default()).ok(),
            Some(json!({"force": false}))
        );
        assert_eq!(
            serde_json::to_value(ManifestResourceMeta::default()).ok(),
            Some(json!({
                "ordinal": 0, "group": "", "version": "", "kind": "",
                "resource": "", "name": "", "namespace": "",
            }))
        );
    }

    #[test]
    fn manifest_keeps_the_raw_object() {
        let raw = json!({"apiVersion": "v1", "kind": "ConfigMap", "x-unknown": {"a": [1, null]}});
        let manifest: Manifest = serde_json::from_value(raw.clone()).unwrap_or_default();
        assert_eq!(manifest.as_value(), &raw);
        assert_eq!(serde_json::to_value(&manifest).ok(), Some(raw));
    }
}
