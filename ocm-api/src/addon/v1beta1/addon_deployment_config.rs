//! `AddOnDeploymentConfig` (v1beta1): the same schema as v1alpha1, so its spec is v1alpha1's
//! type, re-exported here.

pub use crate::addon::v1alpha1::{
    AddOnDeploymentConfigSpec, ContainerResourceRequirements, CustomizedVariable, ImageMirror,
    NodePlacement, ProxyConfig,
};

crate::kind::custom_resource! {
    /// A configuration customizing how an add-on agent is deployed (node placement, image
    /// registries, proxy, resources, variables). Namespaced; it has no status.
    pub struct AddOnDeploymentConfig {
        group: "addon.open-cluster-management.io",
        version: "v1beta1",
        plural: "addondeploymentconfigs",
        scope: NamespaceResourceScope,
        spec(required): AddOnDeploymentConfigSpec,
    }
}
