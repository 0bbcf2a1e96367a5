// go-csr answers, for each CertificateSigningRequest it reads, whether the real OCM v1.2.1 hub
// (open-cluster-management.io/ocm/pkg/registration/register/csr) would approve it.
//
// It runs the hub's own CSR driver (csr.NewCSRHubDriver: its informer, its controller, its
// renewal and bootstrap reconcilers, validateCSR, getCSRInfo, IsCSRInTerminalState) against a
// client-go fake clientset, with the ManagedClusterAutoApproval feature gate on and the given
// auto-approval users, and watches for the approval the driver writes. SubjectAccessReviews are
// answered "allowed", so every renewal Go finds valid is approved: the answer is the most Go
// would ever approve.
//
// With -agent <cluster>/<agent>, it instead prints (one JSON line) the CSR object the real OCM
// v1.2.1 agent creates on the hub: csr.NewCSRDriver's Process with a fake hub client, an empty
// client-certificate secret and -expiration-seconds as --client-cert-expiration-seconds. The
// apiserver would set spec.username from the requester; the fake leaves it empty.
//
// Input: one CSR object (JSON, certificates.k8s.io/v1) per line on stdin. Its name is replaced
// by a unique one. Output: one line per input, {"approved": bool} or {"error": "..."}.
//
// The controller is asynchronous. To know when it has finished with a CSR, a sentinel CSR (a
// valid renewal, always approved) is created after it; the controller runs one worker over a
// FIFO queue, so once the sentinel's approval is seen the case before it has been decided.
package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/klog/v2"

	ocmfeature "open-cluster-management.io/api/feature"
	"open-cluster-management.io/ocm/pkg/features"
	"open-cluster-management.io/ocm/pkg/registration/register"
	"open-cluster-management.io/ocm/pkg/registration/register/csr"
	"open-cluster-management.io/sdk-go/pkg/basecontroller/events"
)

const sentinelCluster = "go-csr-sentinel"

func main() {
	users := flag.String("bootstrap-users", "", "comma-separated auto-approval (bootstrap) users")
	agent := flag.String("agent", "", "print the CSR the real agent creates for <cluster>/<agent>")
	expiration := flag.Int("expiration-seconds", 0, "the agent's --client-cert-expiration-seconds")
	flag.Parse()
	// Quiet: the controller logs every CSR it does not recognize.
	klogFlags := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(klogFlags)
	_ = klogFlags.Set("logtostderr", "false")
	_ = klogFlags.Set("stderrthreshold", "FATAL")
	klog.SetOutput(io.Discard)
	var err error
	if *agent != "" {
		err = agentCSR(*agent, int32(*expiration))
	} else {
		err = run(splitUsers(*users))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "go-csr:", err)
		os.Exit(1)
	}
}

func splitUsers(s string) []string {
	var out []string
	for _, u := range strings.Split(s, ",") {
		if u != "" {
			out = append(out, u)
		}
	}
	return out
}

func run(bootstrapUsers []string) error {
	if err := features.HubMutableFeatureGate.Add(ocmfeature.DefaultHubRegistrationFeatureGates); err != nil {
		return err
	}
	if err := features.HubMutableFeatureGate.Set(string(ocmfeature.ManagedClusterAutoApproval) + "=true"); err != nil {
		return err
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	approved := make(chan string, 64)
	client := fake.NewSimpleClientset()
	client.PrependReactor("create", "subjectaccessreviews",
		func(action clienttesting.Action) (bool, runtime.Object, error) {
			sar, ok := action.(clienttesting.CreateAction).GetObject().(*authorizationv1.SubjectAccessReview)
			if !ok {
				return false, nil, nil
			}
			sar = sar.DeepCopy()
			sar.Status.Allowed = true
			return true, sar, nil
		})
	client.PrependReactor("update", "certificatesigningrequests",
		func(action clienttesting.Action) (bool, runtime.Object, error) {
			if action.GetSubresource() != "approval" {
				return false, nil, nil
			}
			if m, err := meta.Accessor(action.(clienttesting.UpdateAction).GetObject()); err == nil {
				approved <- m.GetName()
			}
			return false, nil, nil
		})

	factory := informers.NewSharedInformerFactory(client, 0)
	driver, err := csr.NewCSRHubDriver(client, factory, bootstrapUsers)
	if err != nil {
		return err
	}
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	go driver.Run(ctx, 1)

	sentinel, err := sentinelRequest()
	if err != nil {
		return err
	}

	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for i := 0; in.Scan(); i++ {
		var obj certificatesv1.CertificateSigningRequest
		if err := json.Unmarshal(in.Bytes(), &obj); err != nil {
			fmt.Fprintf(out, "{\"error\":%q}\n", err.Error())
			continue
		}
		name := fmt.Sprintf("case-%d", i)
		obj.Name = name
		obj.GenerateName = ""
		obj.ResourceVersion = ""
		if _, err := client.CertificatesV1().CertificateSigningRequests().Create(ctx, &obj, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("creating %s: %w", name, err)
		}
		mark := sentinel.DeepCopy()
		mark.Name = fmt.Sprintf("sentinel-%d", i)
		if _, err := client.CertificatesV1().CertificateSigningRequests().Create(ctx, mark, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("creating %s: %w", mark.Name, err)
		}
		got := false
	wait:
		for {
			select {
			case n := <-approved:
				if n == name {
					got = true
				}
				if n == mark.Name {
					break wait
				}
			case <-time.After(60 * time.Second):
				return fmt.Errorf("no decision on %s within 60s", mark.Name)
			}
		}
		fmt.Fprintf(out, "{\"approved\":%t}\n", got)
		out.Flush()
	}
	return in.Err()
}

// agentCSR prints the CSR the real agent's CSR driver creates for cluster/agent.
func agentCSR(clusterAgent string, expirationSeconds int32) error {
	cluster, agent, ok := strings.Cut(clusterAgent, "/")
	if !ok {
		return fmt.Errorf("-agent wants <cluster>/<agent>, found %q", clusterAgent)
	}
	if err := features.SpokeMutableFeatureGate.Add(ocmfeature.DefaultSpokeRegistrationFeatureGates); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	client := fake.NewSimpleClientset()
	factory := informers.NewSharedInformerFactory(client, 0)
	opt := csr.NewCSROption()
	opt.ExpirationSeconds = expirationSeconds
	if err := opt.Validate(); err != nil {
		return err
	}
	driver, err := csr.NewCSRDriver(opt, register.SecretOption{
		ClusterName:             cluster,
		AgentName:               agent,
		BootStrapKubeConfigFile: "unused",
	})
	if err != nil {
		return err
	}
	control, err := csr.NewCSRControl(klog.Background(), factory.Certificates(), client)
	if err != nil {
		return err
	}
	if err := driver.SetCSRControl(control, cluster); err != nil {
		return err
	}
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	secret := &corev1.Secret{Data: map[string][]byte{}}
	if _, _, err := driver.Process(ctx, "go-csr", secret, nil,
		events.NewContextualLoggingEventRecorder("go-csr")); err != nil {
		return err
	}
	list, err := client.CertificatesV1().CertificateSigningRequests().List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	if len(list.Items) != 1 {
		return fmt.Errorf("the agent created %d CSRs, expected 1", len(list.Items))
	}
	created := list.Items[0]
	created.APIVersion = "certificates.k8s.io/v1"
	created.Kind = "CertificateSigningRequest"
	return json.NewEncoder(os.Stdout).Encode(&created)
}

// sentinelRequest is a renewal CSR the hub always approves (SubjectAccessReviews are allowed).
func sentinelRequest() (*certificatesv1.CertificateSigningRequest, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	cn := "system:open-cluster-management:" + sentinelCluster + ":agent"
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{
			Organization: []string{"system:open-cluster-management:" + sentinelCluster},
			CommonName:   cn,
		},
	}, key)
	if err != nil {
		return nil, err
	}
	return &certificatesv1.CertificateSigningRequest{
		ObjectMeta: metav1.ObjectMeta{
			Labels: map[string]string{"open-cluster-management.io/cluster-name": sentinelCluster},
		},
		Spec: certificatesv1.CertificateSigningRequestSpec{
			Request:    pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}),
			SignerName: certificatesv1.KubeAPIServerClientSignerName,
			Username:   cn,
			Usages:     []certificatesv1.KeyUsage{certificatesv1.UsageClientAuth},
		},
	}, nil
}
