package deploy_test

import (
	"bytes"
	"errors"
	"io"
	"maps"
	"net"
	"net/url"
	"os/exec"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/partnerbot/partnerbot/config"
)

// The cluster's deploy files (README "Running as a cluster on etcd").
const (
	clusterConfigFile = "deploy/cluster/config.yaml"
	clusterCompose    = "deploy/cluster/compose.yaml"
	clusterKubernetes = "deploy/cluster/kubernetes.yaml"
	clusterEtcdK8s    = "deploy/cluster/etcd.kubernetes.yaml"
	clusterReplicas   = 3
)

// clusterConfig is what the cluster's deploy files depend on in deploy/cluster/config.yaml,
// read as YAML (the keys of issue #23: store.backend, store.etcd.*, cluster.*, control.socket).
type clusterConfig struct {
	Console struct {
		Enabled *bool `yaml:"enabled"`
	} `yaml:"console"`
	Slack struct {
		Enabled bool   `yaml:"enabled"`
		Mode    string `yaml:"mode"`
		Listen  string `yaml:"listen"`
	} `yaml:"slack"`
	Telegram struct {
		Enabled bool   `yaml:"enabled"`
		Mode    string `yaml:"mode"`
		Webhook struct {
			URL    string `yaml:"url"`
			Listen string `yaml:"listen"`
		} `yaml:"webhook"`
	} `yaml:"telegram"`
	WeCom struct {
		Enabled  bool `yaml:"enabled"`
		Callback struct {
			Listen string `yaml:"listen"`
		} `yaml:"callback"`
	} `yaml:"wecom"`
	Store struct {
		Backend string `yaml:"backend"`
		Path    string `yaml:"path"`
		Etcd    struct {
			Endpoints []string `yaml:"endpoints"`
			Username  string   `yaml:"username"`
		} `yaml:"etcd"`
	} `yaml:"store"`
	Cluster struct {
		ID    string `yaml:"id"`
		Lease string `yaml:"lease"`
	} `yaml:"cluster"`
	Control struct {
		Socket string `yaml:"socket"`
	} `yaml:"control"`
	Log struct {
		Format string `yaml:"format"`
	} `yaml:"log"`
	Admin struct {
		Listen string `yaml:"listen"`
	} `yaml:"admin"`
}

func readClusterConfig(t *testing.T) clusterConfig {
	t.Helper()
	var c clusterConfig
	if err := yaml.Unmarshal([]byte(readFile(t, clusterConfigFile)), &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// port is the port of a listen address.
func port(t *testing.T, addr string) string {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("listen address %q: %v", addr, err)
	}
	return p
}

// webhookPorts are the ports the configuration serves chat webhooks on, by platform.
func (c clusterConfig) webhookPorts(t *testing.T) map[string]string {
	t.Helper()
	ports := map[string]string{}
	if c.Slack.Enabled && c.Slack.Mode == "http" {
		ports["slack"] = port(t, c.Slack.Listen)
	}
	if c.Telegram.Enabled && c.Telegram.Mode == "webhook" {
		ports["telegram"] = port(t, c.Telegram.Webhook.Listen)
	}
	if c.WeCom.Enabled && c.WeCom.Callback.Listen != "" {
		ports["wecom"] = port(t, c.WeCom.Callback.Listen)
	}
	return ports
}

// TestClusterConfigFile: deploy/cluster/config.yaml is one configuration for every replica: the
// state in etcd on three endpoints with a user (the password from the environment), each replica
// named by its host name, its control socket in a directory of its own, every webhook and the
// admin endpoint on every interface (the Service and the probes reach them on the pod's
// address), no Telegram long polling (only the leader could poll), no console, JSON logs.
func TestClusterConfigFile(t *testing.T) {
	c := readClusterConfig(t)
	if c.Store.Backend != "etcd" || len(c.Store.Etcd.Endpoints) != 3 || c.Store.Etcd.Username == "" || c.Store.Path != "" {
		t.Errorf("store %+v: want backend etcd, three endpoints, a username and no bbolt path", c.Store)
	}
	for _, ep := range c.Store.Etcd.Endpoints {
		if u, err := url.Parse(ep); err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Port() != "2379" {
			t.Errorf("store.etcd.endpoints: %q is not an etcd client URL (port 2379)", ep)
		}
	}
	if c.Cluster.ID != "" {
		t.Errorf("cluster.id %q: every replica runs this file; leave it empty (the host name)", c.Cluster.ID)
	}
	if d, err := time.ParseDuration(c.Cluster.Lease); err != nil || d != 10*time.Second {
		t.Errorf("cluster.lease %q: want 10s, the README's failover bound", c.Cluster.Lease)
	}
	if path.Dir(c.Control.Socket) != "/run/partnerbot" {
		t.Errorf("control.socket %q: want it in /run/partnerbot, the tmpfs and emptyDir of the deploy files", c.Control.Socket)
	}
	if c.Console.Enabled == nil || *c.Console.Enabled || c.Log.Format != "json" {
		t.Errorf("console.enabled %v, log.format %q: want false and json", c.Console.Enabled, c.Log.Format)
	}
	if c.Telegram.Enabled && c.Telegram.Mode != "webhook" {
		t.Errorf("telegram.mode %q: every replica serves chat; long polling runs on the leader alone", c.Telegram.Mode)
	}
	ports := c.webhookPorts(t)
	if len(ports) != 3 {
		t.Errorf("webhooks %v: want Slack http mode, Telegram's webhook and WeCom's callback", ports)
	}
	for _, addr := range []string{c.Admin.Listen, c.Slack.Listen, c.Telegram.Webhook.Listen, c.WeCom.Callback.Listen} {
		if host, _, err := net.SplitHostPort(addr); err != nil || host != "" {
			t.Errorf("listen %q: want every interface (\":port\"), reached on the replica's address", addr)
		}
	}
	if port(t, c.Admin.Listen) != "8079" {
		t.Errorf("admin.listen %q: want port 8079, as the deploy files", c.Admin.Listen)
	}
}

// composeService is what the cluster's tests read of a compose service.
type composeService struct {
	Image       string            `yaml:"image"`
	Entrypoint  []string          `yaml:"entrypoint"`
	Command     []string          `yaml:"command"`
	Hostname    string            `yaml:"hostname"`
	EnvFile     []string          `yaml:"env_file"`
	Environment map[string]string `yaml:"environment"`
	StdinOpen   bool              `yaml:"stdin_open"`
	TTY         bool              `yaml:"tty"`
	User        string            `yaml:"user"`
	Volumes     []string          `yaml:"volumes"`
	Tmpfs       []string          `yaml:"tmpfs"`
	Ports       []string          `yaml:"ports"`
	ReadOnly    bool              `yaml:"read_only"`
	CapDrop     []string          `yaml:"cap_drop"`
	DependsOn   []string          `yaml:"depends_on"`
	Networks    map[string]struct {
		Aliases []string `yaml:"aliases"`
	} `yaml:"networks"`
	StopGracePeriod string `yaml:"stop_grace_period"`
	Healthcheck     struct {
		Test        []string `yaml:"test"`
		StartPeriod string   `yaml:"start_period"`
	} `yaml:"healthcheck"`
}

// clusterServices reads deploy/cluster/compose.yaml (anchors and merge keys resolved): the etcd
// members and the replicas, each in name order.
func clusterServices(t *testing.T) (etcd, replicas []string, services map[string]composeService) {
	t.Helper()
	var doc struct {
		Services map[string]composeService `yaml:"services"`
	}
	if err := yaml.Unmarshal([]byte(readFile(t, clusterCompose)), &doc); err != nil {
		t.Fatal(err)
	}
	for name, s := range doc.Services {
		switch {
		case strings.Contains(s.Image, "etcd"):
			etcd = append(etcd, name)
		case slices.Contains(s.Command, "-config"):
			replicas = append(replicas, name)
		default:
			t.Errorf("service %s is neither an etcd member nor a replica", name)
		}
	}
	slices.Sort(etcd)
	slices.Sort(replicas)
	return etcd, replicas, doc.Services
}

// TestClusterCompose: deploy/cluster/compose.yaml runs three etcd members of the official image
// that form one cluster under the names the configuration's endpoints use, and three replicas
// that run the same command with the same configuration and secrets, each under its own host
// name (its cluster.id) with its own ports on the host, as the single-machine file runs its one
// bot: no console, a read-only root, no capability, the health check, a stop grace period longer
// than bot.shutdown_timeout, and the control socket on a tmpfs of the image's user.
func TestClusterCompose(t *testing.T) {
	cfg := readClusterConfig(t)
	etcd, replicas, services := clusterServices(t)
	if len(etcd) != 3 || len(replicas) != clusterReplicas {
		t.Fatalf("etcd members %v, replicas %v: want three of each", etcd, replicas)
	}

	// etcd: one cluster of three, each reachable at an endpoint of the configuration.
	aliases := map[string]string{}
	for _, name := range etcd {
		s := services[name]
		if !regexp.MustCompile(`^(gcr\.io/etcd-development/etcd|quay\.io/coreos/etcd):v3\.7\.\d+$`).MatchString(s.Image) {
			t.Errorf("%s: image %q, want the official etcd v3.7 image (the embedded etcd's release)", name, s.Image)
		}
		env := s.Environment
		if env["ETCD_NAME"] != name || env["ETCD_INITIAL_CLUSTER_STATE"] != "new" || env["ETCD_DATA_DIR"] == "" ||
			!slices.Contains(s.Volumes, name+":"+env["ETCD_DATA_DIR"]) {
			t.Errorf("%s: environment %v, volumes %v: want its name, a new cluster and its data on its volume", name, env, s.Volumes)
		}
		for _, a := range s.Networks["default"].Aliases {
			aliases[a] = name
		}
		for _, other := range etcd {
			if !strings.Contains(env["ETCD_INITIAL_CLUSTER"], other+"=http://") {
				t.Errorf("%s: ETCD_INITIAL_CLUSTER %q lacks %s", name, env["ETCD_INITIAL_CLUSTER"], other)
			}
		}
		if len(s.Ports) > 0 {
			t.Errorf("%s publishes %v: only the replicas reach etcd, on the compose network", name, s.Ports)
		}
	}
	for _, ep := range cfg.Store.Etcd.Endpoints {
		u, _ := url.Parse(ep)
		member, ok := aliases[u.Hostname()]
		if !ok {
			t.Errorf("store.etcd.endpoints: %s names no etcd service (aliases %v)", ep, aliases)
			continue
		}
		if adv := services[member].Environment["ETCD_ADVERTISE_CLIENT_URLS"]; adv != ep {
			t.Errorf("%s advertises %q, the configuration asks %q", member, adv, ep)
		}
	}

	// The replicas: alike but for their names and host ports.
	first := services[replicas[0]]
	hostPorts := map[string]string{}
	names := map[string]bool{}
	for _, name := range replicas {
		s := services[name]
		if s.Hostname == "" || names[s.Hostname] {
			t.Errorf("%s: hostname %q; want one of its own, its cluster.id", name, s.Hostname)
		}
		names[s.Hostname] = true
		if strings.Join(s.Command, " ") != "-config /etc/partnerbot/config.yaml" || !slices.Contains(s.Volumes, "./config.yaml:/etc/partnerbot/config.yaml:ro") {
			t.Errorf("%s: command %v, volumes %v: want the one configuration, read-only", name, s.Command, s.Volumes)
		}
		if !slices.Equal(s.EnvFile, first.EnvFile) || len(s.EnvFile) == 0 || s.Environment != nil {
			t.Errorf("%s: env_file %v, environment %v: want the same env_file only", name, s.EnvFile, s.Environment)
		}
		if s.StdinOpen || s.TTY || s.User != "" || !s.ReadOnly || !slices.Equal(s.CapDrop, []string{"ALL"}) {
			t.Errorf("%s: stdin_open %v, tty %v, user %q, read_only %v, cap_drop %v", name, s.StdinOpen, s.TTY, s.User, s.ReadOnly, s.CapDrop)
		}
		if !slices.Contains(s.Healthcheck.Test, "healthcheck") {
			t.Errorf("%s: healthcheck %v does not run partnerbot healthcheck", name, s.Healthcheck.Test)
		}
		if d, err := time.ParseDuration(s.StopGracePeriod); err != nil || d <= config.Default().Bot.ShutdownTimeout {
			t.Errorf("%s: stop_grace_period %q: want longer than bot.shutdown_timeout", name, s.StopGracePeriod)
		}
		if !slices.ContainsFunc(s.Tmpfs, func(m string) bool {
			return strings.HasPrefix(m, path.Dir(cfg.Control.Socket)+":") && strings.Contains(m, "uid="+itoa(imageUID))
		}) {
			t.Errorf("%s: tmpfs %v: want %s, the image's user's, for control.socket", name, s.Tmpfs, path.Dir(cfg.Control.Socket))
		}
		for _, e := range etcd {
			if !slices.Contains(s.DependsOn, e) {
				t.Errorf("%s does not depend on %s", name, e)
			}
		}
		published := map[string]bool{}
		for _, p := range s.Ports {
			parts := strings.Split(p, ":") // 127.0.0.1:HOST:CONTAINER
			if len(parts) != 3 || parts[0] != "127.0.0.1" {
				t.Errorf("%s: port %q: want 127.0.0.1:HOST:CONTAINER (your TLS proxy and Prometheus are on the host)", name, p)
				continue
			}
			if other, dup := hostPorts[parts[1]]; dup {
				t.Errorf("%s and %s both publish host port %s", name, other, parts[1])
			}
			hostPorts[parts[1]] = name
			published[parts[2]] = true
		}
		want := []string{port(t, cfg.Admin.Listen)}
		for _, p := range cfg.webhookPorts(t) {
			want = append(want, p)
		}
		for _, p := range want {
			if !published[p] {
				t.Errorf("%s does not publish the configuration's port %s (ports %v)", name, p, s.Ports)
			}
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// mapSubset reports whether every entry of sub is in m.
func mapSubset(sub, m map[string]string) bool {
	for k, v := range sub {
		if m[k] != v {
			return false
		}
	}
	return true
}

// k8sObject is what the cluster's tests read of a Kubernetes object.
type k8sObject struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name   string            `yaml:"name"`
		Labels map[string]string `yaml:"labels"`
	} `yaml:"metadata"`
	Spec yaml.Node `yaml:"spec"`
}

func k8sObjects(t *testing.T, file string) map[string]k8sObject {
	t.Helper()
	dec := yaml.NewDecoder(strings.NewReader(readFile(t, file)))
	objs := map[string]k8sObject{}
	for {
		var o k8sObject
		if err := dec.Decode(&o); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		objs[o.Kind+"/"+o.Metadata.Name] = o
	}
	return objs
}

func decodeSpec(t *testing.T, o k8sObject, v any) {
	t.Helper()
	if err := o.Spec.Decode(v); err != nil {
		t.Fatalf("%s/%s: %v", o.Kind, o.Metadata.Name, err)
	}
}

type k8sPort struct {
	Name          string `yaml:"name"`
	Port          int    `yaml:"port"`
	ContainerPort int    `yaml:"containerPort"`
	TargetPort    string `yaml:"targetPort"`
}

type k8sProbe struct {
	HTTPGet *struct {
		Path string `yaml:"path"`
		Port string `yaml:"port"`
	} `yaml:"httpGet"`
}

// TestClusterKubernetes: deploy/cluster/kubernetes.yaml runs three replicas as a StatefulSet
// (each pod's name its host name, so its cluster.id) behind a Service of the configuration's
// webhook ports, with a headless Service for the StatefulSet and a PodDisruptionBudget that
// lets one replica go at a time; the pods run as the single-machine Deployment's (the image's
// user, no stdin, secrets from a Secret, read-only root, a stop grace period longer than
// bot.shutdown_timeout), the readiness probe asks /readyz and the liveness probe /healthz on the
// admin port, and the control socket's directory is an emptyDir.
func TestClusterKubernetes(t *testing.T) {
	cfg := readClusterConfig(t)
	objs := k8sObjects(t, clusterKubernetes)
	sts, ok := objs["StatefulSet/partnerbot"]
	if !ok {
		t.Fatalf("no StatefulSet partnerbot: %v", slices.Sorted(maps.Keys(objs)))
	}
	var set struct {
		Replicas    int    `yaml:"replicas"`
		ServiceName string `yaml:"serviceName"`
		Selector    struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
		Template struct {
			Metadata struct {
				Labels map[string]string `yaml:"labels"`
			} `yaml:"metadata"`
			Spec struct {
				TerminationGracePeriodSeconds int `yaml:"terminationGracePeriodSeconds"`
				SecurityContext               struct {
					RunAsUser int `yaml:"runAsUser"`
				} `yaml:"securityContext"`
				Containers []struct {
					Args    []string `yaml:"args"`
					Stdin   bool     `yaml:"stdin"`
					EnvFrom []struct {
						SecretRef *struct {
							Name string `yaml:"name"`
						} `yaml:"secretRef"`
					} `yaml:"envFrom"`
					Env          []any     `yaml:"env"`
					Ports        []k8sPort `yaml:"ports"`
					VolumeMounts []struct {
						Name      string `yaml:"name"`
						MountPath string `yaml:"mountPath"`
					} `yaml:"volumeMounts"`
					ReadinessProbe  k8sProbe `yaml:"readinessProbe"`
					LivenessProbe   k8sProbe `yaml:"livenessProbe"`
					SecurityContext struct {
						ReadOnlyRootFilesystem bool `yaml:"readOnlyRootFilesystem"`
					} `yaml:"securityContext"`
				} `yaml:"containers"`
				Volumes []struct {
					Name     string    `yaml:"name"`
					EmptyDir *struct{} `yaml:"emptyDir"`
				} `yaml:"volumes"`
			} `yaml:"spec"`
		} `yaml:"template"`
	}
	decodeSpec(t, sts, &set)
	if set.Replicas != clusterReplicas {
		t.Errorf("replicas %d, want %d", set.Replicas, clusterReplicas)
	}
	labels := set.Selector.MatchLabels
	if len(labels) == 0 || !mapSubset(labels, set.Template.Metadata.Labels) {
		t.Errorf("selector %v does not select the template's labels %v", labels, set.Template.Metadata.Labels)
	}
	pod := set.Template.Spec
	if pod.SecurityContext.RunAsUser != imageUID {
		t.Errorf("runAsUser %d, want the image's user %d", pod.SecurityContext.RunAsUser, imageUID)
	}
	if time.Duration(pod.TerminationGracePeriodSeconds)*time.Second <= config.Default().Bot.ShutdownTimeout {
		t.Errorf("terminationGracePeriodSeconds %d: want longer than bot.shutdown_timeout", pod.TerminationGracePeriodSeconds)
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers", len(pod.Containers))
	}
	c := pod.Containers[0]
	if c.Stdin || len(c.EnvFrom) != 1 || c.EnvFrom[0].SecretRef == nil || len(c.Env) > 0 || !c.SecurityContext.ReadOnlyRootFilesystem {
		t.Errorf("stdin %v, envFrom %+v, env %v, readOnlyRootFilesystem %v: want the environment all from one Secret", c.Stdin, c.EnvFrom, c.Env, c.SecurityContext.ReadOnlyRootFilesystem)
	}
	if strings.Join(c.Args, " ") != "-config /etc/partnerbot/config.yaml" {
		t.Errorf("args %v", c.Args)
	}
	containerPorts := map[string]string{} // name → port
	for _, p := range c.Ports {
		containerPorts[p.Name] = itoa(p.ContainerPort)
	}
	if containerPorts["admin"] != port(t, cfg.Admin.Listen) {
		t.Errorf("container port admin %q, admin.listen %q", containerPorts["admin"], cfg.Admin.Listen)
	}
	for _, probe := range []struct {
		name string
		p    k8sProbe
		path string
	}{{"readinessProbe", c.ReadinessProbe, "/readyz"}, {"livenessProbe", c.LivenessProbe, "/healthz"}} {
		if probe.p.HTTPGet == nil || probe.p.HTTPGet.Path != probe.path || probe.p.HTTPGet.Port != "admin" {
			t.Errorf("%s %+v: want httpGet %s on the admin port", probe.name, probe.p.HTTPGet, probe.path)
		}
	}
	mounts := map[string]string{}
	for _, m := range c.VolumeMounts {
		mounts[m.MountPath] = m.Name
	}
	if mounts["/etc/partnerbot"] == "" {
		t.Errorf("no configuration in /etc/partnerbot: mounts %v", mounts)
	}
	control := mounts[path.Dir(cfg.Control.Socket)]
	if !slices.ContainsFunc(pod.Volumes, func(v struct {
		Name     string    `yaml:"name"`
		EmptyDir *struct{} `yaml:"emptyDir"`
	}) bool {
		return v.Name == control && v.EmptyDir != nil
	}) {
		t.Errorf("%s (control.socket's directory) is not an emptyDir: mounts %v", path.Dir(cfg.Control.Socket), mounts)
	}

	// The Services: the webhooks behind one, the StatefulSet's names from the headless one.
	type service struct {
		ClusterIP string            `yaml:"clusterIP"`
		Selector  map[string]string `yaml:"selector"`
		Ports     []k8sPort         `yaml:"ports"`
	}
	var headless, hooks service
	h, ok := objs["Service/"+set.ServiceName]
	if !ok {
		t.Fatalf("no Service %q, the StatefulSet's serviceName", set.ServiceName)
	}
	decodeSpec(t, h, &headless)
	if headless.ClusterIP != "None" || !mapSubset(headless.Selector, set.Template.Metadata.Labels) {
		t.Errorf("Service %s: clusterIP %q, selector %v: want a headless Service of the replicas", set.ServiceName, headless.ClusterIP, headless.Selector)
	}
	w, ok := objs["Service/partnerbot"]
	if !ok {
		t.Fatal("no Service partnerbot for the webhooks")
	}
	decodeSpec(t, w, &hooks)
	if hooks.ClusterIP == "None" || len(hooks.Selector) == 0 || !mapSubset(hooks.Selector, set.Template.Metadata.Labels) {
		t.Errorf("Service partnerbot: clusterIP %q, selector %v: want a balanced Service of the replicas", hooks.ClusterIP, hooks.Selector)
	}
	served := map[string]bool{}
	for _, p := range hooks.Ports {
		served[containerPorts[p.TargetPort]] = true
	}
	for platform, p := range cfg.webhookPorts(t) {
		if !served[p] {
			t.Errorf("Service partnerbot does not lead to %s's port %s (ports %+v, container ports %v)", platform, p, hooks.Ports, containerPorts)
		}
	}

	// One replica at a time may go.
	pdb, ok := objs["PodDisruptionBudget/partnerbot"]
	if !ok {
		t.Fatal("no PodDisruptionBudget partnerbot")
	}
	var budget struct {
		MaxUnavailable *int `yaml:"maxUnavailable"`
		MinAvailable   *int `yaml:"minAvailable"`
		Selector       struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
	}
	decodeSpec(t, pdb, &budget)
	allowed := -1
	switch {
	case budget.MaxUnavailable != nil:
		allowed = *budget.MaxUnavailable
	case budget.MinAvailable != nil:
		allowed = clusterReplicas - *budget.MinAvailable
	}
	if allowed != 1 || !mapSubset(budget.Selector.MatchLabels, set.Template.Metadata.Labels) {
		t.Errorf("PodDisruptionBudget %+v: want one replica of the StatefulSet unavailable at most", budget)
	}
	if _, ok := objs["Secret/partnerbot-env"]; ok {
		t.Error("the manifest holds the Secret: applying it would overwrite the keys")
	}
}

// TestClusterEtcdKubernetes: the trial etcd of deploy/cluster/etcd.kubernetes.yaml answers at
// the configuration's endpoints: a StatefulSet of three behind a headless Service whose name
// makes the pods' names etcd-N.<service>, members named by their pods.
func TestClusterEtcdKubernetes(t *testing.T) {
	cfg := readClusterConfig(t)
	objs := k8sObjects(t, clusterEtcdK8s)
	var set struct {
		Replicas    int    `yaml:"replicas"`
		ServiceName string `yaml:"serviceName"`
	}
	sts, ok := objs["StatefulSet/etcd"]
	if !ok {
		t.Fatal("no StatefulSet etcd")
	}
	decodeSpec(t, sts, &set)
	var svc struct {
		ClusterIP                string `yaml:"clusterIP"`
		PublishNotReadyAddresses bool   `yaml:"publishNotReadyAddresses"`
	}
	decodeSpec(t, objs["Service/"+set.ServiceName], &svc)
	if set.Replicas != 3 || svc.ClusterIP != "None" || !svc.PublishNotReadyAddresses {
		t.Errorf("replicas %d, Service %q %+v: want three members behind a headless Service that publishes them before they are ready", set.Replicas, set.ServiceName, svc)
	}
	text := readFile(t, clusterEtcdK8s)
	for i, ep := range cfg.Store.Etcd.Endpoints {
		want := "http://etcd-" + itoa(i) + "." + set.ServiceName + ":2379"
		if ep != want {
			t.Errorf("store.etcd.endpoints[%d] = %q; the trial etcd's member %d answers at %s", i, ep, i, want)
		}
		if !strings.Contains(text, "etcd-"+itoa(i)+"=http://etcd-"+itoa(i)+"."+set.ServiceName+":2380") {
			t.Errorf("ETCD_INITIAL_CLUSTER lacks etcd-%d", i)
		}
	}
}

// TestClusterKubectl: kubectl decodes both manifests into the typed API, offline; the replicas'
// environment comes all from the Secret.
func TestClusterKubectl(t *testing.T) {
	if got := kubectlDecode(t, clusterKubernetes); got != "# StatefulSet partnerbot, container partnerbot" {
		t.Errorf("kubectl lists:\n%s\nwant the StatefulSet's one container partnerbot, its environment all from the Secret", got)
	}
	if got := kubectlDecode(t, clusterEtcdK8s); !strings.HasPrefix(got, "# StatefulSet etcd, container etcd\n# ETCD_NAME from field path metadata.name\n") {
		t.Errorf("kubectl lists:\n%s\nwant the etcd StatefulSet, each member named by its pod", got)
	}
}

// TestClusterKubectlHeaderCommands: the manifest's header makes the Secret and the ConfigMap
// its pods read, from deploy/cluster/partnerbot.env and deploy/cluster/config.yaml.
func TestClusterKubectlHeaderCommands(t *testing.T) {
	kubectlHeader(t, clusterKubernetes, "deploy/cluster/partnerbot.env", clusterConfigFile, clusterConfigFile)
}

// TestClusterComposeConfig: Compose loads deploy/cluster/compose.yaml against its schema.
func TestClusterComposeConfig(t *testing.T) {
	out := composeConfig(t, clusterCompose, clusterConfigFile, "PARTNERBOT_ETCD_PASSWORD=compose-config\n")
	for _, want := range []string{"etcd-0.etcd", "partnerbot-2", "/run/partnerbot", "read_only: true", "ETCD_INITIAL_CLUSTER"} {
		if !strings.Contains(out, want) {
			t.Errorf("compose config lacks %q:\n%s", want, out)
		}
	}
}

// TestClusterSecrets: the compose file's and the manifest's headers ask for the same secrets,
// and the configuration's header names each of them (what it needs them for).
func TestClusterSecrets(t *testing.T) {
	compose := headerSecrets(t, readFile(t, clusterCompose))
	k8s := headerSecrets(t, readFile(t, clusterKubernetes))
	slices.Sort(compose)
	slices.Sort(k8s)
	if !slices.Equal(compose, k8s) {
		t.Errorf("secrets: compose %v, kubernetes %v", compose, k8s)
	}
	cfg := readFile(t, clusterConfigFile)
	for _, name := range append(compose, "PARTNERBOT_ETCD_PASSWORD") {
		if !slices.Contains(compose, name) {
			t.Errorf("the headers do not ask for %s", name)
		}
		if !strings.Contains(cfg, name) {
			t.Errorf("%s's header does not say what %s is", clusterConfigFile, name)
		}
	}
}

// TestClusterCheckConfig: the binary's check-config accepts deploy/cluster/config.yaml with the
// secrets the headers name, and nothing else, in the environment: every key valid, every
// secret found. (etcd is not running here: the store's row is the play's, TestPlayClusterCompose.)
func TestClusterCheckConfig(t *testing.T) {
	bin := buildBinary(t)
	env := []string{"HOME=" + t.TempDir(), "HOSTNAME=partnerbot-0"}
	for _, name := range headerSecrets(t, readFile(t, clusterCompose)) {
		env = append(env, name+"="+testSecrets[name])
	}
	var out, errb bytes.Buffer
	cmd := exec.Command(bin, "check-config", "-config", "cluster/config.yaml", "-timeout", "2s")
	cmd.Stdin, cmd.Stdout, cmd.Stderr, cmd.Env = strings.NewReader(""), &out, &errb, env
	_ = cmd.Run()
	if !regexp.MustCompile(`(?m)^configuration\s+ok\s`).MatchString(out.String()) {
		t.Errorf("check-config of %s:\n%s%s\nwant the configuration ok", clusterConfigFile, out.String(), errb.String())
	}
	for name, v := range testSecrets {
		if strings.Contains(out.String()+errb.String(), v) {
			t.Errorf("check-config printed %s", name)
		}
	}
}

// TestReadmeCluster: README's "Running as a cluster on etcd" links every file of deploy/cluster,
// gives the compose file's header commands as written, names every secret the headers ask for,
// and has its table of failures.
func TestReadmeCluster(t *testing.T) {
	_, section, ok := strings.Cut(readFile(t, "README.md"), "\n## Running as a cluster on etcd\n")
	if !ok {
		t.Fatal("README has no ## Running as a cluster on etcd")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	for _, f := range []string{clusterConfigFile, clusterCompose, clusterKubernetes, clusterEtcdK8s} {
		if !strings.Contains(section, "]("+f+")") {
			t.Errorf("the section does not link %s", f)
		}
	}
	text := readFile(t, clusterCompose)
	n := 0
	for _, cmd := range headerShellCommands(text) {
		cmd, _, _ = strings.Cut(cmd, "   #")
		if !strings.HasPrefix(cmd, "docker compose ") || strings.Contains(cmd, " exec ") {
			continue
		}
		n++
		if !strings.Contains(section, "\n    "+strings.TrimSpace(cmd)) {
			t.Errorf("the section lacks the compose header's command:\n\t%s", cmd)
		}
	}
	if n < 4 {
		t.Errorf("%s's header has %d docker compose commands", clusterCompose, n)
	}
	for _, name := range headerSecrets(t, text) {
		if !strings.Contains(section, "`"+name+"`") {
			t.Errorf("the section does not name the secret %s", name)
		}
	}
	for _, when := range []string{"the leader dies", "a follower dies", "an etcd member dies", "etcd loses its quorum", "a replica is cut off from etcd", "a replica is stopped (SIGTERM)"} {
		if !strings.Contains(section, "\n| "+when+" | ") {
			t.Errorf("the table of failures has no row %q", when)
		}
	}
}
