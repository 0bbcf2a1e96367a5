//! Naming the resources of a work: [`ResourceIdentifier`]s and how they match.

use kube::Resource;
use kube::core::{ApiResource, GroupVersionKind};
use ocm_api::work::v1::{ManifestResourceMeta, ResourceIdentifier};
use serde_json::Value;

/// The identifier of a typed object (group, plural resource, name, namespace), for manifest
/// configs and [`feedback`](super::feedback()).
///
/// ```
/// use k8s_openapi::api::apps::v1::Deployment;
/// use ocm_client::work::resource_identifier;
///
/// let mut d = Deployment::default();
/// d.metadata.name = Some("web".into());
/// d.metadata.namespace = Some("default".into());
/// let id = resource_identifier(&d);
/// assert_eq!((id.group.as_str(), id.resource.as_str()), ("apps", "deployments"));
/// ```
pub fn resource_identifier<K: Resource<DynamicType = ()>>(object: &K) -> ResourceIdentifier {
    let meta = object.meta();
    ResourceIdentifier {
        group: K::group(&()).into_owned(),
        resource: K::plural(&()).into_owned(),
        name: meta.name.clone().unwrap_or_default(),
        namespace: meta.namespace.clone().unwrap_or_default(),
    }
}

/// The identifier of a manifest given as JSON, its plural resource name *guessed* from its kind
/// (as [`ApiResource::from_gvk`] does; the work agent uses discovery). `None` when the manifest
/// has no `apiVersion` or `kind`.
pub fn manifest_identifier(manifest: &Value) -> Option<ResourceIdentifier> {
    let api_version = manifest.get("apiVersion")?.as_str()?;
    let kind = manifest.get("kind")?.as_str()?;
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let resource = ApiResource::from_gvk(&GroupVersionKind::gvk(group, version, kind)).plural;
    let meta = manifest.get("metadata");
    let field = |f: &str| {
        meta.and_then(|m| m.get(f))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    Some(ResourceIdentifier {
        group: group.to_owned(),
        resource,
        name: field("name"),
        namespace: field("namespace"),
    })
}

/// Whether a manifest reported in a work's status is the one `id` names, as the work agent
/// matches a manifest config (`resourceMatch` in ocm's `pkg/work/helper`): group and resource
/// equal, namespace and name equal or matching `id`'s `*` wildcards.
pub fn resource_matches(meta: &ManifestResourceMeta, id: &ResourceIdentifier) -> bool {
    meta.group == id.group
        && meta.resource == id.resource
        && wildcard_match(&meta.namespace, &id.namespace)
        && wildcard_match(&meta.name, &id.name)
}

/// Same as [`matches`] for an identifier computed from a manifest.
pub(crate) fn id_matches(resource: &ResourceIdentifier, id: &ResourceIdentifier) -> bool {
    resource.group == id.group
        && resource.resource == id.resource
        && wildcard_match(&resource.namespace, &id.namespace)
        && wildcard_match(&resource.name, &id.name)
}

/// `value` equals `pattern`, or matches it with `*` standing for any run of characters.
fn wildcard_match(value: &str, pattern: &str) -> bool {
    if value == pattern || pattern == "*" {
        return true;
    }
    if !pattern.contains('*') {
        return false;
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, rest) = (parts[0], &parts[1..]);
    let Some(mut tail) = value.strip_prefix(first) else {
        return false;
    };
    let (last, middle) = rest.split_last().map_or(("", &[][..]), |(l, m)| (*l, m));
    for part in middle {
        match tail.find(part) {
            Some(at) => tail = &tail[at + part.len()..],
            None => return false,
        }
    }
    tail.len() >= last.len() && tail.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wildcards_match_as_upstream_regexps() {
        assert!(wildcard_match("web", "web"));
        assert!(wildcard_match("web", "*"));
        assert!(wildcard_match("", "*"));
        assert!(wildcard_match("web-1", "web-*"));
        assert!(wildcard_match("a-web-1", "*web*"));
        assert!(wildcard_match("ab", "a*b"));
        assert!(!wildcard_match("a", "a*a"));
        assert!(!wildcard_match("web", "web-*"));
        assert!(!wildcard_match("xweb", "web*"));
        assert!(!wildcard_match("web", ""));
    }

    #[test]
    fn identifiers_from_json_guess_the_plural() {
        let id = manifest_identifier(&json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default"}}));
        assert_eq!(
            id,
            Some(ResourceIdentifier {
                group: "apps".into(),
                resource: "deployments".into(),
                name: "web".into(),
                namespace: "default".into(),
            })
        );
        let ns = manifest_identifier(&json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": "x"}}));
        assert_eq!(
            ns.map(|i| (i.group, i.resource)),
            Some((String::new(), "namespaces".into()))
        );
        assert_eq!(manifest_identifier(&json!({"kind": "ConfigMap"})), None);
    }
}
