// Reference program for ocm-client's rollout differential test: reads one scenario per line
// (JSON) on stdin, runs sdk-go v1.3.0's RolloutHandler.GetRolloutCluster on it (decision pages fed
// through a PlacementDecisionClustersTracker, statuses as given, the rollout clock set to the
// scenario's "now") and writes one JSON result per line on stdout.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	testingclock "k8s.io/utils/clock/testing"

	clusterv1alpha1 "open-cluster-management.io/api/cluster/v1alpha1"
	clusterv1beta1 "open-cluster-management.io/api/cluster/v1beta1"
	sdkv1alpha1 "open-cluster-management.io/sdk-go/pkg/apis/cluster/v1alpha1"
	sdkv1beta1 "open-cluster-management.io/sdk-go/pkg/apis/cluster/v1beta1"
)

// A time as Unix seconds and nanoseconds.
type stamp struct {
	Sec  int64 `json:"sec"`
	Nsec int64 `json:"nsec"`
}

func (s *stamp) toTime() time.Time { return time.Unix(s.Sec, s.Nsec).UTC() }

func fromTime(t time.Time) *stamp { return &stamp{Sec: t.Unix(), Nsec: int64(t.Nanosecond())} }

type status struct {
	ClusterName        string              `json:"clusterName"`
	GroupKey           sdkv1beta1.GroupKey `json:"groupKey"`
	Status             int                 `json:"status"`
	LastTransitionTime *stamp              `json:"lastTransitionTime"`
	RecheckTime        *stamp              `json:"recheckTime"`
}

type scenario struct {
	Strategy  json.RawMessage                     `json:"strategy"`
	Decisions []*clusterv1beta1.PlacementDecision `json:"decisions"`
	Statuses  []status                            `json:"statuses"`
	Now       stamp                               `json:"now"`
}

type result struct {
	Error             *string         `json:"error"`
	DecodeError       bool            `json:"decodeError"`
	Strategy          json.RawMessage `json:"strategy"`
	ClustersToRollout []status        `json:"clustersToRollout"`
	ClustersTimeOut   []status        `json:"clustersTimeout"`
	ClustersRemoved   []status        `json:"clustersRemoved"`
	MaxFailureBreach  bool            `json:"maxFailureBreach"`
	RecheckAfter      *int64          `json:"recheckAfter"`
}

type pages []*clusterv1beta1.PlacementDecision

func (p pages) List(labels.Selector, string) ([]*clusterv1beta1.PlacementDecision, error) {
	return p, nil
}

func toGo(s status) sdkv1alpha1.ClusterRolloutStatus {
	out := sdkv1alpha1.ClusterRolloutStatus{
		ClusterName: s.ClusterName,
		GroupKey:    s.GroupKey,
		Status:      sdkv1alpha1.RolloutStatus(s.Status),
	}
	if s.LastTransitionTime != nil {
		t := metaTime(s.LastTransitionTime.toTime())
		out.LastTransitionTime = &t
	}
	if s.RecheckTime != nil {
		t := metaTime(s.RecheckTime.toTime())
		out.RecheckTime = &t
	}
	return out
}

func fromGo(list []sdkv1alpha1.ClusterRolloutStatus) []status {
	out := make([]status, 0, len(list))
	for _, s := range list {
		o := status{ClusterName: s.ClusterName, GroupKey: s.GroupKey, Status: int(s.Status)}
		if s.LastTransitionTime != nil {
			o.LastTransitionTime = fromTime(s.LastTransitionTime.Time)
		}
		if s.RecheckTime != nil {
			o.RecheckTime = fromTime(s.RecheckTime.Time)
		}
		out = append(out, o)
	}
	return out
}

func metaTime(t time.Time) metav1.Time { return metav1.Time{Time: t} }

func errString(err error) *string {
	s := err.Error()
	return &s
}

func run(sc *scenario) result {
	var strategy clusterv1alpha1.RolloutStrategy
	if err := json.Unmarshal(sc.Strategy, &strategy); err != nil {
		return result{Error: errString(err), DecodeError: true}
	}
	sdkv1alpha1.RolloutClock = testingclock.NewFakeClock(sc.Now.toTime())

	placement := &clusterv1beta1.Placement{}
	placement.Name = "placement"
	placement.Namespace = "default"
	tracker := sdkv1beta1.NewPlacementDecisionClustersTracker(placement, pages(sc.Decisions), nil)
	if err := tracker.Refresh(); err != nil {
		return result{Error: errString(err)}
	}
	handler, err := sdkv1alpha1.NewRolloutHandler(tracker,
		func(string, struct{}) (sdkv1alpha1.ClusterRolloutStatus, error) {
			return sdkv1alpha1.ClusterRolloutStatus{}, nil
		})
	if err != nil {
		return result{Error: errString(err)}
	}
	statuses := make([]sdkv1alpha1.ClusterRolloutStatus, 0, len(sc.Statuses))
	for _, s := range sc.Statuses {
		statuses = append(statuses, toGo(s))
	}
	effective, res, err := handler.GetRolloutCluster(strategy, statuses)
	if err != nil {
		return result{Error: errString(err)}
	}
	raw, err := json.Marshal(effective)
	if err != nil {
		return result{Error: errString(err)}
	}
	out := result{
		Strategy:          raw,
		ClustersToRollout: fromGo(res.ClustersToRollout),
		ClustersTimeOut:   fromGo(res.ClustersTimeOut),
		ClustersRemoved:   fromGo(res.ClustersRemoved),
		MaxFailureBreach:  res.MaxFailureBreach,
	}
	if res.RecheckAfter != nil {
		ns := int64(*res.RecheckAfter)
		out.RecheckAfter = &ns
	}
	return out
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 0, 1<<20), 1<<28)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		var sc scenario
		var res result
		if err := json.Unmarshal(in.Bytes(), &sc); err != nil {
			res = result{Error: errString(fmt.Errorf("bad scenario: %w", err))}
		} else {
			res = run(&sc)
		}
		line, err := json.Marshal(res)
		if err != nil {
			panic(err)
		}
		out.Write(line)
		out.WriteByte('\n')
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
