// Command ocm-testenv-ocm runs one Go OCM component per process, for ocm-testenv.
//
// It is a multiplexer over the official OCM command trees of
// open-cluster-management.io/ocm (the cmd/registration, cmd/work, cmd/placement,
// cmd/addon and cmd/registration-operator programs) so that a single link step
// produces every component. The first argument selects the program; the rest are
// that program's usual arguments, for example:
//
//	ocm-testenv-ocm registration controller --kubeconfig=hub.kubeconfig ...
//	ocm-testenv-ocm work manager --kubeconfig=hub.kubeconfig ...
//	ocm-testenv-ocm placement controller --kubeconfig=hub.kubeconfig ...
//	ocm-testenv-ocm addon manager --kubeconfig=hub.kubeconfig ...
//	ocm-testenv-ocm addon-webhook --kubeconfig=hub.kubeconfig --port=N --certdir=DIR
//	ocm-testenv-ocm klusterlet agent --spoke-cluster-name=cluster1 ...
//
// Each branch reproduces the feature-gate registration of the matching upstream
// main package. The only program that is not an upstream command is
// addon-webhook: it runs OCM's own addon conversion webhooks, but in a manager
// whose health-probe and metrics listeners are disabled (upstream hard-codes
// ":8000" and ":8080", which collide when several environments run on a host).
package main

import (
	"context"
	"crypto/tls"
	goflag "flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	utilflag "k8s.io/component-base/cli/flag"
	"k8s.io/component-base/logs"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	ocmfeature "open-cluster-management.io/api/feature"

	addonv1alpha1 "open-cluster-management.io/ocm/pkg/addon/webhook/v1alpha1"
	addonv1beta1 "open-cluster-management.io/ocm/pkg/addon/webhook/v1beta1"
	"open-cluster-management.io/ocm/pkg/cmd/hub"
	"open-cluster-management.io/ocm/pkg/cmd/spoke"
	"open-cluster-management.io/ocm/pkg/features"
	"open-cluster-management.io/ocm/pkg/version"
)

const usage = "usage: ocm-testenv-ocm registration|work|placement|addon|addon-webhook|klusterlet ARGS..."

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	program := os.Args[1]
	os.Args = append([]string{program}, os.Args[2:]...)

	pflag.CommandLine.SetNormalizeFunc(utilflag.WordSepNormalizeFunc)
	pflag.CommandLine.AddGoFlagSet(goflag.CommandLine)
	logs.AddFlags(pflag.CommandLine)
	logs.InitLogs()
	defer logs.FlushLogs()

	root := &cobra.Command{
		Use: program,
		Run: func(cmd *cobra.Command, args []string) {
			_ = cmd.Help()
			os.Exit(1)
		},
	}
	if v := version.Get().String(); len(v) == 0 {
		root.Version = "<unknown>"
	} else {
		root.Version = v
	}

	switch program {
	case "registration": // cmd/registration (hub part)
		utilruntime.Must(features.HubMutableFeatureGate.Add(ocmfeature.DefaultHubRegistrationFeatureGates))
		features.HubMutableFeatureGate.AddFlag(pflag.CommandLine)
		root.AddCommand(hub.NewRegistrationController())
	case "work": // cmd/work (hub part)
		utilruntime.Must(features.HubMutableFeatureGate.Add(ocmfeature.DefaultHubWorkFeatureGates))
		features.HubMutableFeatureGate.AddFlag(pflag.CommandLine)
		root.AddCommand(hub.NewWorkController())
	case "placement": // cmd/placement
		root.AddCommand(hub.NewPlacementController())
	case "addon": // cmd/addon (manager)
		root.AddCommand(hub.NewAddonManager())
	case "addon-webhook":
		root = newAddonWebhookCommand()
	case "klusterlet": // cmd/registration-operator (singleton klusterlet agent)
		root.AddCommand(spoke.NewKlusterletAgentCmd())
	default:
		fmt.Fprintf(os.Stderr, "unknown program %q\n%s\n", program, usage)
		os.Exit(2)
	}

	if err := root.Execute(); err != nil {
		fmt.Fprintf(os.Stderr, "%v\n", err)
		os.Exit(1) //nolint:gocritic
	}
}

// newAddonWebhookCommand serves OCM's addon conversion webhooks (the same
// webhook types pkg/addon/webhook.SetupWebhookServer installs) without the
// fixed health-probe and metrics ports of the upstream webhook-server command.
func newAddonWebhookCommand() *cobra.Command {
	var kubeconfig, certDir string
	var port int
	cmd := &cobra.Command{
		Use:   "addon-webhook",
		Short: "Serve the OCM addon conversion webhook (v1alpha1 <-> v1beta1)",
		RunE: func(c *cobra.Command, args []string) error {
			cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
			if err != nil {
				return fmt.Errorf("loading kubeconfig %q: %w", kubeconfig, err)
			}
			scheme := runtime.NewScheme()
			for _, add := range []func(*runtime.Scheme) error{
				clientgoscheme.AddToScheme, addonv1alpha1.Install, addonv1beta1.Install,
			} {
				if err := add(scheme); err != nil {
					return err
				}
			}
			ctrl.SetLogger(klog.NewKlogr())
			metricsserver.DefaultBindAddress = "0"
			mgr, err := ctrl.NewManager(cfg, ctrl.Options{
				Scheme:                 scheme,
				HealthProbeBindAddress: "0",
				Metrics:                metricsserver.Options{BindAddress: "0"},
				WebhookServer: webhook.NewServer(webhook.Options{
					Host:    "127.0.0.1",
					Port:    port,
					CertDir: certDir,
					TLSOpts: []func(*tls.Config){func(c *tls.Config) { c.MinVersion = tls.VersionTLS12 }},
				}),
			})
			if err != nil {
				return fmt.Errorf("creating webhook manager: %w", err)
			}
			for _, w := range []interface{ Init(ctrl.Manager) error }{
				&addonv1alpha1.ManagedClusterAddOnWebhook{},
				&addonv1beta1.ManagedClusterAddOnWebhook{},
				&addonv1alpha1.ClusterManagementAddOnWebhook{},
				&addonv1beta1.ClusterManagementAddOnWebhook{},
			} {
				if err := w.Init(mgr); err != nil {
					return fmt.Errorf("initialising conversion webhook: %w", err)
				}
			}
			ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer cancel()
			return mgr.Start(ctx)
		},
	}
	cmd.Flags().StringVar(&kubeconfig, "kubeconfig", "", "kubeconfig of the hub")
	cmd.Flags().StringVar(&certDir, "certdir", "", "directory holding tls.crt and tls.key")
	cmd.Flags().IntVar(&port, "port", 9443, "port to serve on (127.0.0.1)")
	return cmd
}
