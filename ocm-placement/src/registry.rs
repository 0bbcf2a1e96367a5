//! The explicit plugin registry.

use crate::model::ScoreCoordinate;
use crate::plugin::{Filter, Prioritizer};
use crate::plugins::{Balance, Predicate, ResourceAllocatable, Steady, TaintToleration};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// The plugins a [`Scheduler`](crate::Scheduler) runs, and the default prioritizer weights.
///
/// Build one with [`Registry::builder`] (empty) or [`default_plugins`] (upstream's set);
/// `Registry::default()` is `default_plugins().build()`.
#[derive(Clone)]
pub struct Registry {
    pub(crate) filters: Vec<Arc<dyn Filter>>,
    pub(crate) prioritizers: BTreeMap<String, Arc<dyn Prioritizer>>,
    pub(crate) default_weights: BTreeMap<ScoreCoordinate, i32>,
    pub(crate) addon_scores: bool,
    pub(crate) spread: bool,
    pub(crate) check_weight_range: bool,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field(
                "filters",
                &self
                    .filters
                    .iter()
                    .map(|p| p.name().to_owned())
                    .collect::<Vec<_>>(),
            )
            .field(
                "prioritizers",
                &self.prioritizers.keys().collect::<Vec<_>>(),
            )
            .field("default_weights", &self.default_weights)
            .field("addon_scores", &self.addon_scores)
            .field("spread", &self.spread)
            .finish()
    }
}

impl Default for Registry {
    fn default() -> Self {
        default_plugins().build()
    }
}

impl Registry {
    /// An empty builder: no filters, no prioritizers, no default weights.
    pub fn builder() -> RegistryBuilder {
        RegistryBuilder {
            registry: Registry {
                filters: Vec::new(),
                prioritizers: BTreeMap::new(),
                default_weights: BTreeMap::new(),
                addon_scores: false,
                spread: false,
                check_weight_range: true,
            },
        }
    }

    /// The filter names, in the order they run.
    pub fn filter_names(&self) -> Vec<&str> {
        self.filters.iter().map(|f| f.name()).collect()
    }

    /// The registered prioritizer names.
    pub fn prioritizer_names(&self) -> Vec<&str> {
        self.prioritizers.keys().map(String::as_str).collect()
    }
}

/// Builds a [`Registry`] (`&mut self -> &mut Self` setters, then [`build`](Self::build)).
#[derive(Debug, Clone)]
pub struct RegistryBuilder {
    registry: Registry,
}

impl RegistryBuilder {
    /// Appends a filter; filters run in the order they were added.
    pub fn filter(&mut self, f: impl Filter + 'static) -> &mut Self {
        self.registry.filters.push(Arc::new(f));
        self
    }

    /// Registers a prioritizer under its [`name`](Prioritizer::name); placements select it
    /// with `scoreCoordinate: {type: BuiltIn, builtIn: <name>}`. A custom name is an extension
    /// (upstream would call it misconfigured).
    pub fn prioritizer(&mut self, p: impl Prioritizer + 'static) -> &mut Self {
        self.registry
            .prioritizers
            .insert(p.name().to_owned(), Arc::new(p));
        self
    }

    /// Sets the weight a built-in prioritizer has when the placement does not say
    /// (`Additive` mode). Weight 0 removes the default.
    pub fn default_weight(&mut self, builtin: &str, weight: i32) -> &mut Self {
        let key = ScoreCoordinate::builtin(builtin);
        if weight == 0 {
            self.registry.default_weights.remove(&key);
        } else {
            self.registry.default_weights.insert(key, weight);
        }
        self
    }

    /// Serves `AddOn` score coordinates with [`AddOnScore`](crate::plugins::AddOnScore)
    /// (on in [`default_plugins`]).
    pub fn addon_scores(&mut self, enabled: bool) -> &mut Self {
        self.registry.addon_scores = enabled;
        self
    }

    /// Honours `spec.spreadPolicy` (an extension, off by default: upstream ignores the field).
    /// See [`crate::spread`].
    pub fn spread(&mut self, enabled: bool) -> &mut Self {
        self.registry.spread = enabled;
        self
    }

    /// Rejects prioritizer weights outside −10..=10 as misconfigured (on by default). Upstream
    /// relies on CRD validation for this; an embedded scheduler has no API server in front.
    ///
    /// This is this crate's one deliberate difference from upstream, and only for placements
    /// the CRD would have refused: turn it off to schedule them as upstream's code would.
    pub fn check_weight_range(&mut self, enabled: bool) -> &mut Self {
        self.registry.check_weight_range = enabled;
        self
    }

    /// The registry.
    pub fn build(&self) -> Registry {
        self.registry.clone()
    }
}

/// Upstream OCM's plugins: filters `Predicate` then `TaintToleration`; prioritizers
/// `Balance`, `Steady`, `ResourceAllocatableCPU`, `ResourceAllocatableMemory` and
/// `AddOn/<resource>/<score>`; default weights `Balance: 1`, `Steady: 1`.
pub fn default_plugins() -> RegistryBuilder {
    let mut b = Registry::builder();
    b.filter(Predicate::new())
        .filter(TaintToleration::new())
        .prioritizer(Balance::new())
        .prioritizer(Steady::new())
        .prioritizer(ResourceAllocatable::cpu())
        .prioritizer(ResourceAllocatable::memory())
        .default_weight(crate::prioritizers::BALANCE, 1)
        .default_weight(crate::prioritizers::STEADY, 1)
        .addon_scores(true);
    b
}
