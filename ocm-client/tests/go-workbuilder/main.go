// Command go-workbuilder measures and splits ManifestWork manifests with upstream's own code,
// for ocm-client's differential test (tests/work_differential.rs).
//
// Input (stdin): {"limit": <bytes given to WithManifestsLimit>, "manifests": [<object>, ...]}.
// Output (stdout): {
//   "webhookSizes": Manifest.Size() of each manifest as the webhook sees it (after a JSON
//                   round trip of the ManifestWork, as the apiserver sends it),
//   "webhookTotal": the total the api module's workvalidator reports for an over-limit work,
//   "builderSizes": Manifest.Size() of each manifest as sdk-go's WorkBuilder encodes it,
//   "works": [{"name": ..., "manifests": [<index>, ...]}, ...] from sdk-go's WorkBuilder.Build
// }
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strconv"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"open-cluster-management.io/api/utils/work/v1/workvalidator"
	workv1 "open-cluster-management.io/api/work/v1"
	"open-cluster-management.io/sdk-go/pkg/apis/work/v1/builder"
)

type input struct {
	Limit     int                      `json:"limit"`
	Manifests []map[string]interface{} `json:"manifests"`
}

type work struct {
	Name      string `json:"name"`
	Manifests []int  `json:"manifests"`
}

type output struct {
	WebhookSizes []int  `json:"webhookSizes"`
	WebhookTotal int    `json:"webhookTotal"`
	BuilderSizes []int  `json:"builderSizes"`
	Works        []work `json:"works"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run() error {
	var in input
	dec := json.NewDecoder(os.Stdin)
	dec.UseNumber()
	if err := dec.Decode(&in); err != nil {
		return err
	}
	var out output
	index := map[string]int{}
	var objects []runtime.Object
	sent := workv1.ManifestWork{}
	for i, m := range in.Manifests {
		obj := &unstructured.Unstructured{Object: normalize(m).(map[string]interface{})}
		index[obj.GetName()] = i
		objects = append(objects, obj)
		sent.Spec.Workload.Manifests = append(sent.Spec.Workload.Manifests,
			workv1.Manifest{RawExtension: runtime.RawExtension{Object: obj}})
		raw, err := runtime.Encode(unstructured.UnstructuredJSONScheme, obj)
		if err != nil {
			return err
		}
		encoded := workv1.Manifest{RawExtension: runtime.RawExtension{Raw: raw}}
		out.BuilderSizes = append(out.BuilderSizes, encoded.Size())
	}
	// What the webhook receives: the work as JSON, decoded again.
	wire, err := json.Marshal(&sent)
	if err != nil {
		return err
	}
	var received workv1.ManifestWork
	if err := json.Unmarshal(wire, &received); err != nil {
		return err
	}
	for _, m := range received.Spec.Workload.Manifests {
		out.WebhookSizes = append(out.WebhookSizes, m.Size())
	}
	v := &workvalidator.Validator{}
	v.WithLimit(0)
	if err := v.ValidateManifests(received.Spec.Workload.Manifests); err != nil {
		re := regexp.MustCompile(`the size of manifests is (\d+) bytes`)
		if m := re.FindStringSubmatch(err.Error()); m != nil {
			out.WebhookTotal, _ = strconv.Atoi(m[1])
		}
	}

	applied, _, err := builder.NewWorkBuilder().WithManifestsLimit(in.Limit).Build(objects,
		func(i int) metav1.ObjectMeta { return metav1.ObjectMeta{Name: fmt.Sprintf("split-%d", i)} })
	if err != nil {
		return err
	}
	for _, w := range applied {
		var idx []int
		for _, m := range w.Spec.Workload.Manifests {
			obj := &unstructured.Unstructured{}
			if err := obj.UnmarshalJSON(m.Raw); err != nil {
				return err
			}
			idx = append(idx, index[obj.GetName()])
		}
		out.Works = append(out.Works, work{Name: w.Name, Manifests: idx})
	}
	return json.NewEncoder(os.Stdout).Encode(&out)
}

// normalize turns json.Number into int64 or float64, as Go's unstructured decoding does.
func normalize(v interface{}) interface{} {
	switch t := v.(type) {
	case map[string]interface{}:
		for k, x := range t {
			t[k] = normalize(x)
		}
		return t
	case []interface{}:
		for i, x := range t {
			t[i] = normalize(x)
		}
		return t
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		f, _ := t.Float64()
		return f
	}
	return v
}
