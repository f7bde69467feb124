package deploy_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// unitBinary is the unit's (and the images') path of the binary.
const unitBinary = "/usr/local/bin/partnerbot"

// TestSystemdAnalyzeVerify: systemd itself loads deploy/partnerbot.service without a word:
// every key known, every value parsed, the command executable. systemd-analyze verify checks
// that ExecStart's binary exists, so it verifies a copy of the unit whose binary path is the
// binary built here (the only change); any warning it prints fails the test (it exits 0 on
// unknown keys and bad values, saying so on stderr).
func TestSystemdAnalyzeVerify(t *testing.T) {
	tool, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed here: the unit is only parsed (TestDeploySystemdUnit)")
	}
	unit := unitWithBinary(t, buildBinary(t))
	var out bytes.Buffer
	cmd := exec.Command(tool, "verify", "--man=no", unit)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil || out.Len() > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out.String())
	}
}

// unitWithBinary writes a copy of deploy/partnerbot.service, named as installed, with bin in
// place of /usr/local/bin/partnerbot, and returns its path.
func unitWithBinary(t *testing.T, bin string) string {
	t.Helper()
	text := readFile(t, "deploy/partnerbot.service")
	if !strings.Contains(text, "\nExecStart="+unitBinary+" ") {
		t.Fatalf("the unit's ExecStart does not run %s", unitBinary)
	}
	unit := filepath.Join(t.TempDir(), "partnerbot.service")
	writeFile(t, unit, strings.ReplaceAll(text, unitBinary, bin))
	return unit
}

// TestKubectlDecodes: kubectl decodes every object of deploy/kubernetes.yaml into the typed
// Kubernetes API (quantities, integers, enums in their places), offline: `kubectl set env
// --local --list` needs no cluster (apply/create --dry-run=client do: they ask the server for
// its resource types). It lists the one container's environment, which comes from the Secret.
func TestKubectlDecodes(t *testing.T) {
	if got := kubectlDecode(t, "deploy/kubernetes.yaml"); got != "# Deployment partnerbot, container partnerbot" {
		t.Errorf("kubectl lists:\n%s\nwant the Deployment's one container partnerbot, its environment all from the Secret", got)
	}
}

// kubectlDecode runs `kubectl set env --local --list` on a manifest (relative to the
// repository's root) and returns what it lists; it skips the test when kubectl is not here.
func kubectlDecode(t *testing.T, manifest string) string {
	t.Helper()
	tool, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl is not installed here: the manifest is only parsed")
	}
	var out, errb bytes.Buffer
	cmd := exec.Command(tool, "set", "env", "--local", "--list", "-f", filepath.Join(repoRoot, manifest))
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Env = []string{"HOME=" + t.TempDir(), "KUBECONFIG=" + filepath.Join(t.TempDir(), "none")}
	if err := cmd.Run(); err != nil || errb.Len() > 0 {
		t.Fatalf("kubectl set env --local -f %s: %v\n%s%s", manifest, err, out.String(), errb.String())
	}
	return strings.TrimSpace(out.String())
}

// TestSystemdAnalyzeSecurity: systemd's own review of the unit's sandboxing rates its exposure
// "OK" (3.0 or less of 10; 2.8 when written): the bot needs outbound HTTPS, its state
// directory and its configuration, nothing else. The threshold is in tenths.
func TestSystemdAnalyzeSecurity(t *testing.T) {
	tool, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed here")
	}
	unit := unitWithBinary(t, buildBinary(t))
	out, err := exec.Command(tool, "security", "--offline=true", "--threshold=30", unit).CombinedOutput()
	if err != nil {
		t.Errorf("systemd-analyze security: %v\n%s", err, out)
	}
}

// TestKubectlHeaderCommands: the `kubectl create secret/configmap` commands in the manifest's
// header, run as written with --dry-run=client (offline), make the Secret and the ConfigMap the
// Deployment reads: the Secret of envFrom with the secrets the header names, the ConfigMap of
// the config volume with the key that, mounted, is the file the container's -config names.
func TestKubectlHeaderCommands(t *testing.T) {
	kubectlHeader(t, "deploy/kubernetes.yaml", "deploy/partnerbot.env", "deploy/config.yaml", "deploy/config.production.yaml")
}

// kubectlHeader is TestKubectlHeaderCommands for a manifest whose header makes its Secret from
// envFile and its ConfigMap from configFile (as the header names them), the configuration
// being a copy of config.
func kubectlHeader(t *testing.T, manifest, envFile, configFile, config string) {
	t.Helper()
	tool, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl is not installed here")
	}
	text := readFile(t, manifest)
	made := map[string]struct {
		Metadata struct{ Name, Namespace string }
		Data     map[string]string
	}{}
	// The two files the header makes, as the steps fill them.
	env := filepath.Join(t.TempDir(), "partnerbot.env")
	var lines []string
	for _, name := range headerSecrets(t, text) {
		lines = append(lines, name+"="+testSecrets[name])
	}
	writeFile(t, env, strings.Join(lines, "\n")+"\n")
	config, err = filepath.Abs(filepath.Join(repoRoot, config))
	if err != nil {
		t.Fatal(err)
	}
	for _, cmd := range headerShellCommands(text) {
		cmd = strings.NewReplacer("="+envFile, "="+env, "="+configFile, "="+config).Replace(cmd)
		args := strings.Fields(cmd)
		if len(args) < 5 || args[0] != "kubectl" || !slices.Contains(args, "create") ||
			!(slices.Contains(args, "secret") || slices.Contains(args, "configmap")) {
			continue
		}
		c := exec.Command(tool, append(args[1:], "--dry-run=client", "-o", "json")...)
		c.Dir = repoRoot // the header's paths are the repository's
		c.Env = []string{"HOME=" + t.TempDir(), "KUBECONFIG=" + filepath.Join(t.TempDir(), "none")}
		out, err := c.Output()
		if err != nil {
			t.Fatalf("%s --dry-run=client: %v\n%s", cmd, err, out)
		}
		var obj struct {
			Kind     string
			Metadata struct{ Name, Namespace string }
			Data     map[string]string
		}
		if err := json.Unmarshal(out, &obj); err != nil {
			t.Fatal(err)
		}
		made[obj.Kind] = struct {
			Metadata struct{ Name, Namespace string }
			Data     map[string]string
		}{obj.Metadata, obj.Data}
	}
	secret, cm := made["Secret"], made["ConfigMap"]
	if secret.Metadata.Name == "" || cm.Metadata.Name == "" {
		t.Fatalf("the header's kubectl commands made %v, want a Secret and a ConfigMap", made)
	}
	for _, name := range headerSecrets(t, text) {
		if v, ok := secret.Data[name]; !ok || v != base64.StdEncoding.EncodeToString([]byte(testSecrets[name])) {
			t.Errorf("the Secret's %s is %q, want the environment file's value", name, v)
		}
	}
	if secret.Metadata.Namespace != "partnerbot" || cm.Metadata.Namespace != "partnerbot" {
		t.Errorf("namespaces %q, %q: want partnerbot, where the header applies the manifest", secret.Metadata.Namespace, cm.Metadata.Namespace)
	}
	if !strings.Contains(text, "kubectl -n partnerbot apply -f "+manifest) {
		t.Error("the header does not apply the manifest in the namespace partnerbot")
	}
	want := []string{
		"- secretRef:\n                name: " + secret.Metadata.Name + "\n",
		"configMap:\n            name: " + cm.Metadata.Name + "\n",
	}
	for key := range cm.Data {
		want = append(want, `args: ["-config", "/etc/partnerbot/`+key+`"]`)
	}
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("the pods do not read what the header made: %s lacks %q", manifest, w)
		}
	}
	if len(cm.Data) != 1 || !strings.Contains(text, "{name: config, mountPath: /etc/partnerbot, readOnly: true}") {
		t.Errorf("ConfigMap keys %v: want the one file the config volume mounts in /etc/partnerbot", cm.Data)
	}
}

// headerShellCommands is the commands of a file's header comment ("#   command"), a line ending
// in a backslash joined with the next.
func headerShellCommands(text string) []string {
	var cmds []string
	cont := false
	for _, line := range strings.Split(text, "\n") {
		rest, ok := strings.CutPrefix(line, "#   ")
		if !ok {
			cont = false
			continue
		}
		rest = strings.TrimSpace(rest)
		joined := strings.HasSuffix(rest, "\\")
		rest = strings.TrimSpace(strings.TrimSuffix(rest, "\\"))
		if cont {
			cmds[len(cmds)-1] += " " + rest
		} else {
			cmds = append(cmds, rest)
		}
		cont = joined
	}
	return cmds
}

// TestComposeConfig: Compose itself loads deploy/compose.yaml against its schema (`config`
// needs no Docker daemon), with the two files the steps make beside it. It prefers the
// `docker compose` plugin; Compose v1 (`docker-compose`, 1.29) predates the top-level `name:`,
// so it checks a copy without that line.
func TestComposeConfig(t *testing.T) {
	out := composeConfig(t, "deploy/compose.yaml", "deploy/config.production.yaml", "SLACK_BOT_TOKEN=xoxb-compose-config\n")
	for _, want := range []string{"partnerbot-data", deployStoreDir, "read_only: true"} { // in v1's and v2's output forms
		if !strings.Contains(out, want) {
			t.Errorf("compose config lacks %q:\n%s", want, out)
		}
	}
}

// composeConfig runs Compose's `config` on a copy of a compose file (relative to the
// repository's root) with config.yaml (a copy of config) and partnerbot.env (env) beside it, and
// returns what it prints; it skips the test when neither Compose is here.
func composeConfig(t *testing.T, file, config, env string) string {
	t.Helper()
	text := readFile(t, file)
	var argv []string
	if docker, err := exec.LookPath("docker"); err == nil && exec.Command(docker, "compose", "version").Run() == nil {
		argv = []string{docker, "compose"}
	} else if v1, err := exec.LookPath("docker-compose"); err == nil {
		argv = []string{v1}
		text = regexp.MustCompile(`(?m)^name: .*\n`).ReplaceAllString(text, "")
	} else {
		t.Skip("neither docker compose nor docker-compose is installed here: the file is only parsed")
	}
	dir := filepath.Join(t.TempDir(), "deploy")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "compose.yaml"), text)
	writeFile(t, filepath.Join(dir, "config.yaml"), readFile(t, config))
	writeFile(t, filepath.Join(dir, "partnerbot.env"), env)
	cmd := exec.Command(argv[0], append(argv[1:], "-f", "compose.yaml", "config")...)
	cmd.Dir = dir
	cmd.Env = []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v config of %s: %v\n%s", argv, file, err, out)
	}
	return string(out)
}
