// Command go-scheduler runs the upstream Go OCM placement controller (ocm v1.2.1,
// pkg/placement) over scenarios read from stdin, one JSON object per line, and
// prints one JSON result per line. It is the reference side of ocm-placement's
// differential test; it uses fake clients and in-memory informer stores only.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/sets"
	kevents "k8s.io/client-go/tools/events"
	testingclock "k8s.io/utils/clock/testing"

	clusterfake "open-cluster-management.io/api/client/cluster/clientset/versioned/fake"
	clusterinformers "open-cluster-management.io/api/client/cluster/informers/externalversions"
	clusterapiv1 "open-cluster-management.io/api/cluster/v1"
	clusterapiv1alpha1 "open-cluster-management.io/api/cluster/v1alpha1"
	clusterapiv1beta1 "open-cluster-management.io/api/cluster/v1beta1"
	clusterapiv1beta2 "open-cluster-management.io/api/cluster/v1beta2"
	clustersdkv1beta2 "open-cluster-management.io/sdk-go/pkg/apis/cluster/v1beta2"
	"open-cluster-management.io/sdk-go/pkg/basecontroller/factory"

	"open-cluster-management.io/ocm/pkg/placement/controllers/metrics"
	"open-cluster-management.io/ocm/pkg/placement/controllers/scheduling"
	"open-cluster-management.io/ocm/pkg/placement/plugins/addon"
	"open-cluster-management.io/ocm/pkg/placement/plugins/tainttoleration"
)

type scenario struct {
	Now         time.Time                                     `json:"now"`
	Placement   *clusterapiv1beta1.Placement                  `json:"placement"`
	Clusters    []*clusterapiv1.ManagedCluster                `json:"clusters"`
	ClusterSets []*clusterapiv1beta2.ManagedClusterSet        `json:"clusterSets"`
	Bindings    []*clusterapiv1beta2.ManagedClusterSetBinding `json:"bindings"`
	Decisions   []*clusterapiv1beta1.PlacementDecision        `json:"decisions"`
	Scores      []*clusterapiv1alpha1.AddOnPlacementScore     `json:"scores"`
	// Placements, when set, are all scheduled by the benchmark mode (one op = all of them).
	Placements []*clusterapiv1beta1.Placement `json:"placements"`
}

type benchResult struct {
	Error      string  `json:"error,omitempty"`
	NsPerOp    float64 `json:"nsPerOp"`
	Iterations int     `json:"iterations"`
	Decisions  int     `json:"decisions"`
}

// bench times candidate selection plus the plugin scheduler (filters, prioritizers, sort,
// select) for every placement of the scenario, repeatedly for at least budget.
func bench(sc *scenario, budget time.Duration) benchResult {
	ctx := context.Background()
	clk := testingclock.NewFakeClock(sc.Now)
	tainttoleration.TolerationClock = clk
	addon.AddOnClock = clk
	placements := sc.Placements
	if len(placements) == 0 {
		placements = []*clusterapiv1beta1.Placement{sc.Placement}
	}
	client := clusterfake.NewSimpleClientset()
	inf := clusterinformers.NewSharedInformerFactory(client, 10*time.Minute)
	for _, c := range sc.Clusters {
		_ = inf.Cluster().V1().ManagedClusters().Informer().GetStore().Add(c)
	}
	for _, s := range sc.ClusterSets {
		_ = inf.Cluster().V1beta2().ManagedClusterSets().Informer().GetStore().Add(s)
	}
	for _, b := range sc.Bindings {
		_ = inf.Cluster().V1beta2().ManagedClusterSetBindings().Informer().GetStore().Add(b)
	}
	for _, d := range sc.Decisions {
		_ = inf.Cluster().V1beta1().PlacementDecisions().Informer().GetStore().Add(d)
	}
	for _, s := range sc.Scores {
		_ = inf.Cluster().V1alpha1().AddOnPlacementScores().Informer().GetStore().Add(s)
	}
	handle := scheduling.NewSchedulerHandler(client,
		inf.Cluster().V1beta1().PlacementDecisions().Lister(),
		inf.Cluster().V1alpha1().AddOnPlacementScores().Lister(),
		inf.Cluster().V1().ManagedClusters().Lister(),
		noopRecorder{}, metrics.NewScheduleMetrics(clk))
	scheduler := scheduling.NewPluginScheduler(handle)
	var res benchResult
	start := time.Now()
	for {
		res.Decisions = 0
		for _, p := range placements {
			one := *sc
			one.Placement = p
			sr, _ := scheduler.Schedule(ctx, p, candidateClusters(&one, inf))
			res.Decisions += len(sr.Decisions())
		}
		res.Iterations++
		if time.Since(start) >= budget {
			break
		}
	}
	res.NsPerOp = float64(time.Since(start).Nanoseconds()) / float64(res.Iterations)
	return res
}

type pdOut struct {
	Name        string            `json:"name"`
	Labels      map[string]string `json:"labels"`
	Clusters    []string          `json:"clusters"`
	Preexisting bool              `json:"preexisting"`
}

type result struct {
	Error              string                            `json:"error,omitempty"`
	SyncError          string                            `json:"syncError,omitempty"`
	PlacementDecisions []pdOut                           `json:"placementDecisions"`
	Status             clusterapiv1beta1.PlacementStatus `json:"status"`
	Scores             map[string]int64                  `json:"scores"`
	Decisions          []string                          `json:"decisions"`
	ScheduleCode       int                               `json:"scheduleCode"`
	RequeueTime        *time.Time                        `json:"requeueTime,omitempty"`
}

type noopRecorder struct{}

func (noopRecorder) Eventf(regarding runtime.Object, related runtime.Object, eventtype, reason, action, note string, args ...interface{}) {
}

var _ kevents.EventRecorder = noopRecorder{}

func run(sc *scenario) (res result) {
	defer func() {
		if r := recover(); r != nil {
			res = result{Error: fmt.Sprintf("panic: %v", r)}
		}
	}()
	ctx := context.Background()
	clk := testingclock.NewFakeClock(sc.Now)
	tainttoleration.TolerationClock = clk
	addon.AddOnClock = clk

	p := sc.Placement
	var objs []runtime.Object
	objs = append(objs, p)
	for _, d := range sc.Decisions {
		objs = append(objs, d)
	}
	client := clusterfake.NewSimpleClientset(objs...)
	inf := clusterinformers.NewSharedInformerFactory(client, 10*time.Minute)
	for _, c := range sc.Clusters {
		// A typed informer's objects carry no TypeMeta, so CEL sees no apiVersion/kind.
		c.TypeMeta = metav1.TypeMeta{}
		_ = inf.Cluster().V1().ManagedClusters().Informer().GetStore().Add(c)
	}
	for _, s := range sc.ClusterSets {
		_ = inf.Cluster().V1beta2().ManagedClusterSets().Informer().GetStore().Add(s)
	}
	for _, b := range sc.Bindings {
		_ = inf.Cluster().V1beta2().ManagedClusterSetBindings().Informer().GetStore().Add(b)
	}
	_ = inf.Cluster().V1beta1().Placements().Informer().GetStore().Add(p)
	preexisting := sets.New[string]()
	for _, d := range sc.Decisions {
		_ = inf.Cluster().V1beta1().PlacementDecisions().Informer().GetStore().Add(d)
		if d.Namespace == p.Namespace {
			preexisting.Insert(d.Name)
		}
	}
	for _, s := range sc.Scores {
		_ = inf.Cluster().V1alpha1().AddOnPlacementScores().Informer().GetStore().Add(s)
	}

	mr := metrics.NewScheduleMetrics(clk)
	handle := scheduling.NewSchedulerHandler(client,
		inf.Cluster().V1beta1().PlacementDecisions().Lister(),
		inf.Cluster().V1alpha1().AddOnPlacementScores().Lister(),
		inf.Cluster().V1().ManagedClusters().Lister(),
		noopRecorder{}, mr)
	scheduler := scheduling.NewPluginScheduler(handle)

	// Scores and requeue time, straight from the scheduler and the plugin.
	candidates := candidateClusters(sc, inf)
	sr, st := scheduler.Schedule(ctx, p, candidates)
	res.Scores = sr.PrioritizerScores()
	res.ScheduleCode = int(st.Code())
	for _, c := range sr.Decisions() {
		res.Decisions = append(res.Decisions, c.Name)
	}
	if !st.IsError() {
		if r, _ := tainttoleration.New(handle).RequeueAfter(ctx, p); r.RequeueTime != nil {
			t := r.RequeueTime.UTC()
			res.RequeueTime = &t
		}
	}

	ctrl := scheduling.NewSchedulingController(ctx, client,
		inf.Cluster().V1().ManagedClusters(),
		inf.Cluster().V1beta2().ManagedClusterSets(),
		inf.Cluster().V1beta2().ManagedClusterSetBindings(),
		inf.Cluster().V1beta1().Placements(),
		inf.Cluster().V1beta1().PlacementDecisions(),
		inf.Cluster().V1alpha1().AddOnPlacementScores(),
		scheduler, noopRecorder{}, mr)
	var syncCtx factory.SyncContext
	if err := ctrl.Sync(ctx, syncCtx, p.Namespace+"/"+p.Name); err != nil {
		res.SyncError = err.Error()
	}

	pds, err := client.ClusterV1beta1().PlacementDecisions(p.Namespace).List(ctx, metav1.ListOptions{
		LabelSelector: labels.SelectorFromSet(labels.Set{clusterapiv1beta1.PlacementLabel: p.Name}).String(),
	})
	if err != nil {
		res.Error = err.Error()
		return res
	}
	for _, pd := range pds.Items {
		o := pdOut{Name: pd.Name, Labels: pd.Labels, Clusters: []string{}, Preexisting: preexisting.Has(pd.Name)}
		for _, d := range pd.Status.Decisions {
			o.Clusters = append(o.Clusters, d.ClusterName)
		}
		res.PlacementDecisions = append(res.PlacementDecisions, o)
	}
	sort.Slice(res.PlacementDecisions, func(i, j int) bool { return res.PlacementDecisions[i].Name < res.PlacementDecisions[j].Name })
	np, err := client.ClusterV1beta1().Placements(p.Namespace).Get(ctx, p.Name, metav1.GetOptions{})
	if err != nil {
		res.Error = err.Error()
		return res
	}
	res.Status = np.Status
	return res
}

// candidateClusters mirrors the controller's candidate set so that the scheduler's scores
// can be reported; the controller's own sync (which computes it again) is what decides.
func candidateClusters(sc *scenario, inf clusterinformers.SharedInformerFactory) []*clusterapiv1.ManagedCluster {
	p := sc.Placement
	setLister := inf.Cluster().V1beta2().ManagedClusterSets().Lister()
	names := sets.New[string]()
	bindings, _ := inf.Cluster().V1beta2().ManagedClusterSetBindings().Lister().ManagedClusterSetBindings(p.Namespace).List(labels.Everything())
	for _, b := range bindings {
		if _, err := setLister.Get(b.Name); err == nil {
			names.Insert(b.Name)
		}
	}
	if len(p.Spec.ClusterSets) != 0 {
		names = names.Intersection(sets.New(p.Spec.ClusterSets...))
	}
	avail := map[string]*clusterapiv1.ManagedCluster{}
	for _, n := range sets.List(names) {
		cs, err := setLister.Get(n)
		if err != nil {
			continue
		}
		cls, err := clustersdkv1beta2.GetClustersFromClusterSet(cs, inf.Cluster().V1().ManagedClusters().Lister())
		if err != nil {
			continue
		}
		for _, c := range cls {
			if c.DeletionTimestamp.IsZero() {
				avail[c.Name] = c
			}
		}
	}
	var out []*clusterapiv1.ManagedCluster
	for _, c := range avail {
		out = append(out, c)
	}
	return out
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<30)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	var budget time.Duration
	if v := os.Getenv("GO_SCHEDULER_BENCH_MS"); v != "" {
		ms, err := strconv.Atoi(v)
		if err != nil {
			fmt.Fprintln(os.Stderr, "GO_SCHEDULER_BENCH_MS:", err)
			os.Exit(2)
		}
		budget = time.Duration(ms) * time.Millisecond
	}
	for in.Scan() {
		line := in.Bytes()
		if len(line) == 0 {
			continue
		}
		var sc scenario
		var res result
		if budget > 0 {
			var br benchResult
			if err := json.Unmarshal(line, &sc); err != nil {
				br.Error = "decode: " + err.Error()
			} else {
				br = bench(&sc, budget)
			}
			if err := enc.Encode(br); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			out.Flush()
			continue
		}
		if err := json.Unmarshal(line, &sc); err != nil {
			res = result{Error: "decode: " + err.Error()}
		} else if sc.Placement == nil {
			res = result{Error: "no placement"}
		} else {
			res = run(&sc)
		}
		if err := enc.Encode(res); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		out.Flush()
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
