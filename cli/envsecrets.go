package cli

import (
	"os"

	"github.com/partnerbot/partnerbot/internal/logging"
)

// envSecrets lists the secrets of the environment (the partner's AK/SK, the platforms' tokens):
// the logs and the audit log hide the same ones.
func envSecrets() []string { return logging.SecretsFromEnv(os.Environ()) }
