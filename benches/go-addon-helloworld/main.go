// The Go side of the add-on manager benchmark (benches/addon_manager.rs): addon-framework
// v1.3.0's helloworld example add-on manager, as its cmd/example/helloworld `controller` command
// builds it (kube work driver), against the hub of -kubeconfig, until SIGTERM.
package main

import (
	"context"
	"flag"
	"os"
	"os/signal"
	"syscall"

	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"
	addonclient "open-cluster-management.io/api/client/addon/clientset/versioned"

	"open-cluster-management.io/addon-framework/examples/helloworld"
	"open-cluster-management.io/addon-framework/pkg/addonfactory"
	"open-cluster-management.io/addon-framework/pkg/addonmanager"
	"open-cluster-management.io/addon-framework/pkg/utils"
)

func main() {
	kubeconfig := flag.String("kubeconfig", "", "the hub kubeconfig")
	klog.InitFlags(nil)
	flag.Parse()
	config, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		klog.Fatal(err)
	}
	// The defaults of client-go (5 QPS, burst 10) would measure the rate limiter, not the
	// manager; the ocm controllers' command factory raises them the same way.
	config.QPS, config.Burst = 200, 400
	addonClient, err := addonclient.NewForConfig(config)
	if err != nil {
		klog.Fatal(err)
	}
	mgr, err := addonmanager.New(config)
	if err != nil {
		klog.Fatal(err)
	}
	agentAddon, err := addonfactory.NewAgentAddonFactory(helloworld.AddonName, helloworld.FS, "manifests/templates").
		WithConfigGVRs(utils.AddOnDeploymentConfigGVR).
		WithGetValuesFuncs(
			helloworld.GetDefaultValues,
			addonfactory.GetAddOnDeploymentConfigValues(
				utils.NewAddOnDeploymentConfigGetter(addonClient),
				addonfactory.ToAddOnDeploymentConfigValues,
				addonfactory.ToImageOverrideValuesFunc("Image", helloworld.DefaultHelloWorldExampleImage),
			),
		).
		WithAgentRegistrationOption(helloworld.NewRegistrationOption(config, helloworld.AddonName, "bench")).
		WithAgentInstallNamespace(
			utils.AgentInstallNamespaceFromDeploymentConfigFunc(utils.NewAddOnDeploymentConfigGetter(addonClient)),
		).
		WithAgentHealthProber(helloworld.AgentHealthProber()).
		BuildTemplateAgentAddon()
	if err != nil {
		klog.Fatal(err)
	}
	if err := mgr.AddAgent(agentAddon); err != nil {
		klog.Fatal(err)
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	if err := mgr.Start(ctx); err != nil {
		klog.Fatal(err)
	}
	<-ctx.Done()
}
