package slack

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"text/template"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/lang"
)

// manifestTemplate is the Slack app manifest shipped as manifest.yaml, one slash command per
// registry command after the umbrella /pb.
const manifestTemplate = `# Slack app manifest for partnerbot, for Socket Mode (the default; no public URL needed).
# Create the app from it: https://api.slack.com/apps → Create New App → From a manifest.
# For HTTP mode (slack.mode: http) see README.md, "Slack": socket_mode_enabled false, and the
# request URLs of /slack/events, /slack/interactive and /slack/commands.
#
# Generated from the command registry by ` + "`go test ./bot/slack -run TestManifest -update`" + `;
# change bot/slack/manifest_test.go, not this file. A workspace may delete the per-command
# slash commands and keep /pb (or the reverse): the bot accepts both.
_metadata:
  major_version: 1
  minor_version: 1
display_information:
  name: partnerbot
  description: "Huawei Cloud partner chat-ops: customers, arrears, expiring resources, approved renewals"
  background_color: "#1f4e79"
features:
  app_home:
    home_tab_enabled: false
    messages_tab_enabled: true
    messages_tab_read_only_enabled: false
  bot_user:
    display_name: partnerbot
    always_online: true
  slash_commands:
    - command: /pb
      description: "partnerbot: any command, e.g. /pb customer 张三, /pb expiring 7, /pb help"
      usage_hint: "<command> [arguments]"
      should_escape: false
{{- range .}}
    - command: /{{.Name}}
      description: {{quote .Description}}
{{- if .Args}}
      usage_hint: {{quote .Args}}
{{- end}}
      should_escape: false
{{- end}}
oauth_config:
  scopes:
    bot:
      - app_mentions:read # mentions in channels
      - chat:write # answers, notices, replacing a decided approval request
      - chat:write.public # alerts to public channels subscribed with a slash command, without an invitation
      - commands # slash commands
      - files:write # images (the report) shared to a conversation with the external upload
      - im:history # direct messages to the bot (the message.im event)
      - im:write # direct messages to a user (notices addressed to a person)
      - users:read # people's display names (users.info), for messages that carry only a user id
settings:
  event_subscriptions:
    bot_events:
      - app_mention
      - message.im
  interactivity:
    is_enabled: true
  org_deploy_enabled: false
  socket_mode_enabled: true
  token_rotation_enabled: false
`

type manifestCommand struct{ Name, Description, Args string }

func TestManifest(t *testing.T) {
	router := commands.New(nil, nil, commands.Options{})
	var cmds []manifestCommand
	for _, c := range router.Commands() {
		cmds = append(cmds, manifestCommand{Name: c.Name, Description: lang.En.T(c.Summary), Args: c.Args})
	}
	tmpl := template.Must(template.New("manifest").Funcs(template.FuncMap{"quote": func(s string) string {
		var b bytes.Buffer
		enc := json.NewEncoder(&b) // a JSON string is a YAML double-quoted scalar
		enc.SetEscapeHTML(false)
		enc.Encode(s)
		return strings.TrimSpace(b.String())
	}}).Parse(manifestTemplate))
	var want bytes.Buffer
	if err := tmpl.Execute(&want, cmds); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("manifest.yaml", want.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile("manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatal("manifest.yaml is not the registry's; run go test ./bot/slack -run TestManifest -update")
	}

	// What the file says, read back as Slack will.
	var m struct {
		Features struct {
			SlashCommands []struct {
				Command      string `yaml:"command"`
				Description  string `yaml:"description"`
				UsageHint    string `yaml:"usage_hint"`
				ShouldEscape *bool  `yaml:"should_escape"`
			} `yaml:"slash_commands"`
		} `yaml:"features"`
		OAuth struct {
			Scopes struct {
				Bot []string `yaml:"bot"`
			} `yaml:"scopes"`
		} `yaml:"oauth_config"`
		Settings struct {
			Events struct {
				BotEvents []string `yaml:"bot_events"`
			} `yaml:"event_subscriptions"`
			Interactivity struct {
				Enabled bool `yaml:"is_enabled"`
			} `yaml:"interactivity"`
			SocketMode bool `yaml:"socket_mode_enabled"`
		} `yaml:"settings"`
	}
	if err := yaml.Unmarshal(got, &m); err != nil {
		t.Fatalf("manifest.yaml: %v", err)
	}
	name := regexp.MustCompile(`^/[a-z0-9][a-z0-9_-]{0,31}$`) // Slack: lower case, no spaces, at most 32 characters
	var listed []string
	for _, c := range m.Features.SlashCommands {
		listed = append(listed, c.Command)
		if !name.MatchString(c.Command) {
			t.Errorf("slash command %q is not a valid Slack command name", c.Command)
		}
		if c.Description == "" || utf8.RuneCountInString(c.Description) > 2000 || utf8.RuneCountInString(c.UsageHint) > 1000 {
			t.Errorf("%s: description or usage hint empty or too long", c.Command)
		}
		if c.ShouldEscape == nil || *c.ShouldEscape {
			t.Errorf("%s: should_escape must be false (the bot reads the text as typed)", c.Command)
		}
	}
	if len(listed) > 50 {
		t.Errorf("%d slash commands; an app may have at most 50", len(listed))
	}
	if !slices.Contains(listed, "/pb") {
		t.Error("the umbrella /pb is not in the manifest")
	}
	for _, c := range router.Commands() {
		if !slices.Contains(listed, "/"+c.Name) {
			t.Errorf("/%s is not in the manifest", c.Name)
		}
	}
	for _, s := range []string{"app_mentions:read", "chat:write", "commands", "files:write", "im:history", "im:write", "users:read"} {
		if !slices.Contains(m.OAuth.Scopes.Bot, s) {
			t.Errorf("scope %s missing", s)
		}
	}
	for _, ev := range []string{"app_mention", "message.im"} {
		if !slices.Contains(m.Settings.Events.BotEvents, ev) {
			t.Errorf("event %s missing", ev)
		}
	}
	if !m.Settings.Interactivity.Enabled || !m.Settings.SocketMode {
		t.Error("interactivity and Socket Mode must be on")
	}
}
