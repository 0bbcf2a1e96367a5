//! The errors of the pure parts of [`work`](crate::work): building and decoding feedback.

use ocm_api::work::v1::ResourceIdentifier;

/// Why a ManifestWork could not be built.
///
/// Manifests are named by their index in the order they were added to the
/// [`ManifestWorkBuilder`](super::ManifestWorkBuilder).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The work has no manifests (upstream's webhook refuses an empty workload).
    #[error("manifest work {name:?} has no manifests: expected at least one")]
    Empty {
        /// The work's name.
        name: String,
    },
    /// A manifest could not be encoded as JSON.
    #[error("manifest {index}: cannot be encoded as JSON: {source}")]
    Encode {
        /// The manifest's index.
        index: usize,
        /// The encoding error.
        #[source]
        source: serde_json::Error,
    },
    /// A manifest is not a JSON object.
    #[error("manifest {index}: expected a JSON object, found {found}")]
    NotAnObject {
        /// The manifest's index.
        index: usize,
        /// What it is instead (`null`, `an array`, …).
        found: &'static str,
    },
    /// A manifest lacks a field the work agent needs (`apiVersion`, `kind`, `metadata.name`).
    #[error("manifest {index}: expected a non-empty string at {field}, found none")]
    MissingField {
        /// The manifest's index.
        index: usize,
        /// The missing field: `apiVersion`, `kind` or `metadata.name`.
        field: &'static str,
    },
    /// A manifest sets `metadata.generateName`, which upstream's webhook refuses.
    #[error("manifest {index}: metadata.generateName is set; a manifest needs a fixed name")]
    GenerateName {
        /// The manifest's index.
        index: usize,
    },
    /// Two manifests have the same apiVersion, kind, namespace and name (upstream's webhook
    /// refuses duplicates).
    #[error("manifests {first} and {second} are the same object {key}")]
    Duplicate {
        /// The first manifest's index.
        first: usize,
        /// The second manifest's index.
        second: usize,
        /// `apiVersion/kind/namespace/name`.
        key: String,
    },
    /// One manifest alone is at least as large as the budget, so no work can hold it.
    #[error(
        "manifest {index} is {size} bytes: expected less than the budget of {budget} bytes per work"
    )]
    ManifestTooLarge {
        /// The manifest's index.
        index: usize,
        /// Its size as upstream measures it.
        size: usize,
        /// The budget.
        budget: usize,
    },
    /// The manifests together exceed the budget of a single work; use
    /// [`ManifestWorkBuilder::build_split`](super::ManifestWorkBuilder::build_split).
    #[error(
        "the manifests are {size} bytes: expected less than the budget of {budget} bytes \
         (build_split spreads them over several works)"
    )]
    OverBudget {
        /// The manifests' total size as upstream measures it.
        size: usize,
        /// The budget.
        budget: usize,
    },
}

/// Why status feedback could not be read into the caller's type.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FeedbackError {
    /// No manifest in the work's status matches the identifier (the agent has not reported yet,
    /// or the identifier names no manifest of the work).
    #[error(
        "no status reported for a manifest matching {}",
        display_id(identifier)
    )]
    NotReported {
        /// The identifier looked for.
        identifier: ResourceIdentifier,
    },
    /// The identifier (with wildcards) matches several manifests.
    #[error("{count} manifests match {}: expected one", display_id(identifier))]
    Ambiguous {
        /// The identifier looked for.
        identifier: ResourceIdentifier,
        /// How many manifests matched.
        count: usize,
    },
    /// A reported value does not hold the member its type names (e.g. type `Integer` without
    /// `integer`), or its `jsonRaw` is not JSON.
    #[error("feedback value {name:?}: {reason}")]
    InvalidValue {
        /// The value's name.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The caller's type needs a value that was not reported.
    #[error(
        "feedback value {name:?} is missing (reported: {})",
        display_names(reported)
    )]
    Missing {
        /// The missing value's name (as the caller's type names it).
        name: String,
        /// The names that were reported.
        reported: Vec<String>,
    },
    /// A reported value does not fit the caller's type.
    #[error("feedback value {name:?}: {reason}")]
    Mistyped {
        /// The value's name (a path like `conditions[0].status` for a value inside a `JsonRaw`).
        name: String,
        /// serde's message: what was expected and what was found.
        reason: String,
    },
}

fn display_id(id: &ResourceIdentifier) -> String {
    let group = if id.group.is_empty() {
        String::new()
    } else {
        format!(".{}", id.group)
    };
    if id.namespace.is_empty() {
        format!("{}{group} {:?}", id.resource, id.name)
    } else {
        format!(
            "{}{group} {:?}",
            id.resource,
            format!("{}/{}", id.namespace, id.name)
        )
    }
}

fn display_names(names: &[String]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}
