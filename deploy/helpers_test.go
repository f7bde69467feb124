package deploy_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// repoRoot is the repository's root as seen from this package's directory (go test runs a
// package's tests in its directory): every path these tests name is relative to it, as in the
// README.
const repoRoot = ".."

// readFile reads path, relative to the repository's root.
func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, path))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// writeFile writes text to path (an absolute or temporary path), readable by its owner only.
func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// edit replaces, in text, each old string (which must be there, once) by its new one: pairs of
// old, new.
func edit(t *testing.T, text string, pairs ...string) string {
	t.Helper()
	for i := 0; i+1 < len(pairs); i += 2 {
		if n := strings.Count(text, pairs[i]); n != 1 {
			t.Fatalf("the text has %q %d times, want once:\n%s", pairs[i], n, text)
		}
		text = strings.Replace(text, pairs[i], pairs[i+1], 1)
	}
	return text
}

// The binary under test, built once for the package into binDir.
var (
	buildOnce sync.Once
	binDir    string
	binPath   string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// buildBinary builds partnerbot (the module's main package) once for the package and returns
// its path. Its directory is world-readable so that the binary can run as another user (the
// plays run it as the service's unprivileged user when the tests run as root).
func buildBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		gobin, err := exec.LookPath("go")
		if err != nil {
			buildErr = fmt.Errorf("the go command builds the binary under test: %w", err)
			return
		}
		if binDir, buildErr = os.MkdirTemp("", "partnerbot-deploy-"); buildErr != nil {
			return
		}
		if buildErr = os.Chmod(binDir, 0o755); buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "partnerbot")
		out, err := exec.Command(gobin, "build", "-o", binPath, "github.com/partnerbot/partnerbot").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}
