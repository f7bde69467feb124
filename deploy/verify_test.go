package deploy_test

import (
	"bytes"
	"os/exec"
	"path/filepath"
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
	tool, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl is not installed here: the manifest is only parsed (TestDeployKubernetes)")
	}
	var out, errb bytes.Buffer
	cmd := exec.Command(tool, "set", "env", "--local", "--list", "-f", filepath.Join(repoRoot, "deploy/kubernetes.yaml"))
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Env = []string{"HOME=" + t.TempDir(), "KUBECONFIG=" + filepath.Join(t.TempDir(), "none")}
	if err := cmd.Run(); err != nil || errb.Len() > 0 {
		t.Fatalf("kubectl set env --local: %v\n%s%s", err, out.String(), errb.String())
	}
	if got := strings.TrimSpace(out.String()); got != "# Deployment partnerbot, container partnerbot" {
		t.Errorf("kubectl lists:\n%s\nwant the Deployment's one container partnerbot, its environment all from the Secret", got)
	}
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
