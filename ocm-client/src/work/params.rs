//! `*Params` of [`ManifestWorks`](super::ManifestWorks)' calls, with chainable setters.

use std::time::Duration;

use kube::api::{PatchParams, PostParams, PropagationPolicy};
use ocm_api::work::v1::DeletePropagationPolicyType;

#[cfg(doc)]
use super::ManifestWorks;

/// The field manager [`ApplyParams`] uses unless told otherwise.
pub const DEFAULT_FIELD_MANAGER: &str = "ocm-rs";

/// How [`ManifestWorks::apply`] applies a work (server-side apply).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyParams {
    /// The field manager of the apply; [`DEFAULT_FIELD_MANAGER`] by default.
    pub field_manager: String,
    /// Take over fields another manager owns.
    pub force: bool,
    /// Ask the apiserver to validate only (`dryRun=All`).
    pub dry_run: bool,
}

impl Default for ApplyParams {
    fn default() -> Self {
        Self {
            field_manager: DEFAULT_FIELD_MANAGER.into(),
            force: false,
            dry_run: false,
        }
    }
}

impl ApplyParams {
    /// Sets the field manager.
    pub fn field_manager(mut self, manager: impl Into<String>) -> Self {
        self.field_manager = manager.into();
        self
    }

    /// Forces conflicts (takes over fields other managers own).
    pub fn force(mut self) -> Self {
        self.force = true;
        self
    }

    /// Validates only.
    pub fn dry_run(mut self) -> Self {
        self.dry_run = true;
        self
    }

    pub(crate) fn patch_params(&self) -> PatchParams {
        let mut p = PatchParams::apply(&self.field_manager);
        p.force = self.force;
        p.dry_run = self.dry_run;
        p
    }
}

/// How [`ManifestWorks::delete`] deletes a work.
///
/// Two separate choices: what the **work agent** does with the resources it applied
/// ([`orphan`](Self::orphan) / [`foreground`](Self::foreground), the work's
/// `spec.deleteOption`), and how the **hub** deletes the ManifestWork object itself
/// ([`propagation_policy`](Self::propagation_policy), Kubernetes' delete propagation).
#[derive(Debug, Clone, Default)]
pub struct DeleteParams {
    /// What the agent does with the resources; the work's own `spec.deleteOption` when `None`.
    pub resources: Option<DeletePropagationPolicyType>,
    /// Kubernetes' propagation policy for the ManifestWork object.
    pub propagation_policy: Option<PropagationPolicy>,
    /// How long to wait for the agent to take in a changed delete option (default 60 s) and,
    /// with [`wait`](Self::wait), for the work to be gone.
    pub timeout: Option<Duration>,
    /// Wait until the work is gone (the agent removed its finalizer after handling the
    /// resources).
    pub wait: bool,
}

impl DeleteParams {
    /// Leave every resource on the managed cluster.
    pub fn orphan() -> Self {
        Self::default().resources(DeletePropagationPolicyType::Orphan)
    }

    /// Delete every resource from the managed cluster (the agent's default).
    pub fn foreground() -> Self {
        Self::default().resources(DeletePropagationPolicyType::Foreground)
    }

    /// Sets what the agent does with the resources.
    pub fn resources(mut self, policy: DeletePropagationPolicyType) -> Self {
        self.resources = Some(policy);
        self
    }

    /// Sets Kubernetes' propagation policy for the ManifestWork object.
    pub fn propagation_policy(mut self, policy: PropagationPolicy) -> Self {
        self.propagation_policy = Some(policy);
        self
    }

    /// Sets the timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Waits until the work is gone.
    pub fn wait(mut self) -> Self {
        self.wait = true;
        self
    }
}

/// How [`ManifestWorks::create`] creates a work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateParams {
    /// The field manager recorded for the created fields; [`DEFAULT_FIELD_MANAGER`] by default.
    pub field_manager: String,
    /// Ask the apiserver to validate only (`dryRun=All`).
    pub dry_run: bool,
}

impl Default for CreateParams {
    fn default() -> Self {
        Self {
            field_manager: DEFAULT_FIELD_MANAGER.into(),
            dry_run: false,
        }
    }
}

impl CreateParams {
    /// Sets the field manager.
    pub fn field_manager(mut self, manager: impl Into<String>) -> Self {
        self.field_manager = manager.into();
        self
    }

    /// Validates only.
    pub fn dry_run(mut self) -> Self {
        self.dry_run = true;
        self
    }

    pub(crate) fn post_params(&self) -> PostParams {
        PostParams {
            dry_run: self.dry_run,
            field_manager: Some(self.field_manager.clone()),
        }
    }
}
