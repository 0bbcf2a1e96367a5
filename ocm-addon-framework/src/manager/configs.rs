//! Fetching the desired configs of `status.configReferences`.

use kube::Api;
use kube::api::DynamicObject;
use ocm_api::addon::v1alpha1::ManagedClusterAddOn;

use crate::addon::{ResolvedConfig, ResolvedConfigs, config_key};
use crate::options::AddonOptions;
use crate::spec_hash::spec_hash;

/// Why the configs cannot be used now.
#[derive(Debug)]
pub(crate) enum ConfigProblem {
    /// A user mistake: report it on the ManagedClusterAddOn with this reason and message.
    Bad {
        reason: &'static str,
        message: String,
    },
    /// The hub has not caught up with a config change yet: wait for its next update.
    Pending(String),
    /// The server failed: retry.
    Kube(kube::Error),
}

/// Reason for a desired config of a kind the add-on does not support.
pub(crate) const REASON_UNSUPPORTED: &str = "ConfigurationUnsupported";
/// Reason for a desired config that does not exist.
pub(crate) const REASON_NOT_FOUND: &str = "ConfigNotFound";

/// Fetches every desired config; checks each against its recorded spec hash.
pub(crate) async fn resolve(
    client: &kube::Client,
    options: &AddonOptions,
    addon: &ManagedClusterAddOn,
) -> Result<ResolvedConfigs, ConfigProblem> {
    let refs = addon
        .status
        .as_ref()
        .map(|s| s.config_references.clone())
        .unwrap_or_default();
    let mut items = Vec::new();
    for r in refs {
        let Some(desired) = r.desired_config else {
            continue;
        };
        let gr = r.config_group_resource;
        let namespace = desired
            .config_referent
            .namespace
            .clone()
            .filter(|n| !n.is_empty());
        let name = desired.config_referent.name.clone();
        let key = config_key(&gr, namespace.as_deref().unwrap_or_default(), &name);
        let Some(kind) = options
            .supported_configs
            .iter()
            .find(|k| k.group_resource() == gr)
        else {
            return Err(ConfigProblem::Bad {
                reason: REASON_UNSUPPORTED,
                message: format!("config {key} is of a kind this add-on does not support"),
            });
        };
        let api: Api<DynamicObject> = match &namespace {
            Some(ns) => Api::namespaced_with(client.clone(), ns, &kind.resource),
            None => Api::all_with(client.clone(), &kind.resource),
        };
        let object = match api.get_opt(&name).await {
            Ok(Some(o)) => o,
            Ok(None) => {
                return Err(ConfigProblem::Bad {
                    reason: REASON_NOT_FOUND,
                    message: format!("config {key} does not exist"),
                });
            }
            Err(e) => return Err(ConfigProblem::Kube(e)),
        };
        let object = serde_json::to_value(&object).map_err(|e| ConfigProblem::Bad {
            reason: REASON_NOT_FOUND,
            message: format!("config {key} cannot be read: {e}"),
        })?;
        let hash = spec_hash(&object).map_err(|e| ConfigProblem::Bad {
            reason: REASON_NOT_FOUND,
            message: format!("config {key} cannot be hashed: {e}"),
        })?;
        if hash != desired.spec_hash {
            return Err(ConfigProblem::Pending(format!(
                "config {key} has spec hash {hash}, the hub desires {}",
                desired.spec_hash
            )));
        }
        items.push(ResolvedConfig {
            group_resource: gr,
            namespace,
            name,
            spec_hash: desired.spec_hash,
            object,
        });
    }
    Ok(ResolvedConfigs::new(items))
}
