use crate::model::ManagedCluster;
use crate::plugin::{PluginError, Prioritizer, ScheduleContext, Scores};
use crate::plugins::go_f64_to_i64;

/// `ResourceAllocatableCPU` / `ResourceAllocatableMemory`: more allocatable, higher score.
///
/// Only clusters with both `allocatable` and `capacity` of the resource are scored (the others
/// get no score, an effective 0). With `min`/`max` over those, the score is
/// `int64(((a - min)/(max - min) - 0.5) * 2 * 100)`, or 100 when all are equal. Values are
/// Go's `AsApproximateFloat64` (see [`crate::quantity`]).
#[derive(Debug, Clone)]
pub struct ResourceAllocatable {
    name: &'static str,
    /// Position in `crate::index::RESOURCES`.
    resource: usize,
}

impl ResourceAllocatable {
    /// `ResourceAllocatableCPU` (resource `cpu`).
    pub fn cpu() -> Self {
        ResourceAllocatable {
            name: crate::prioritizers::RESOURCE_ALLOCATABLE_CPU,
            resource: 0,
        }
    }

    /// `ResourceAllocatableMemory` (resource `memory`).
    pub fn memory() -> Self {
        ResourceAllocatable {
            name: crate::prioritizers::RESOURCE_ALLOCATABLE_MEMORY,
            resource: 1,
        }
    }
}

impl Prioritizer for ResourceAllocatable {
    fn name(&self) -> &str {
        self.name
    }

    fn score(
        &self,
        cx: &ScheduleContext<'_>,
        clusters: &[&ManagedCluster],
    ) -> Result<Scores, PluginError> {
        let index = cx.index();
        let alloc: Vec<Option<f64>> = clusters
            .iter()
            .map(|c| index.allocatable(c, self.resource))
            .collect();
        let mut min = f64::INFINITY;
        let mut max = f64::NEG_INFINITY;
        let mut any = false;
        for a in alloc.iter().flatten() {
            any = true;
            // Go sorts with sort.Float64s (NaN first) and takes the ends; quantities are never NaN.
            if *a < min {
                min = *a;
            }
            if *a > max {
                max = *a;
            }
        }
        if !any {
            return Ok(Scores::new(vec![None; clusters.len()]));
        }
        let values = alloc
            .iter()
            .map(|a| {
                a.map(|a| {
                    if max - min != 0.0 {
                        let ratio = (a - min) / (max - min);
                        go_f64_to_i64((ratio - 0.5) * 2.0 * 100.0)
                    } else {
                        100
                    }
                })
            })
            .collect();
        Ok(Scores::new(values))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Placement, Snapshot};
    use crate::plugins::testutil::{cx, refs};

    #[test]
    fn scales_between_min_and_max() {
        let p = Placement::new("ns", "p");
        let s = Snapshot::new()
            .with_cluster(ManagedCluster::new("a").with_resource("cpu", "2", "4"))
            .with_cluster(ManagedCluster::new("b").with_resource("cpu", "3", "4"))
            .with_cluster(ManagedCluster::new("c").with_resource("cpu", "5", "8"))
            .with_cluster(ManagedCluster::new("d").with_resource("memory", "5Gi", "8Gi"));
        let got = ResourceAllocatable::cpu()
            .score(&cx(&p, &s), &refs(&s))
            .map(|s| s.values);
        // b: (1/3 - 0.5) * 200 = -33.3 -> -33.
        assert_eq!(got, Ok(vec![Some(-100), Some(-33), Some(100), None]));
        let got = ResourceAllocatable::memory()
            .score(&cx(&p, &s), &refs(&s))
            .map(|s| s.values);
        assert_eq!(got, Ok(vec![None, None, None, Some(100)]));
    }

    #[test]
    fn capacity_is_required() {
        let p = Placement::new("ns", "p");
        let mut c = ManagedCluster::new("a").with_resource("cpu", "2", "4");
        c.capacity.clear();
        let s = Snapshot::new()
            .with_cluster(c)
            .with_cluster(ManagedCluster::new("b").with_resource("cpu", "1", "4"));
        let got = ResourceAllocatable::cpu()
            .score(&cx(&p, &s), &refs(&s))
            .map(|s| s.values);
        assert_eq!(got, Ok(vec![None, Some(100)]));
    }
}
