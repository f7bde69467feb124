// Package config is partnerbot's YAML configuration: the schema, its defaults, validation that
// reports every problem at once with its key path, and the rule that secrets come only from the
// environment. config.example.yaml documents every key.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/internal/fuzzy"
	"github.com/robfig/cron/v3"
	"gopkg.in/yaml.v3"
)

// Config is the whole file.
type Config struct {
	Bot       Bot       `yaml:"bot"`
	Roles     Roles     `yaml:"roles"`
	Console   Console   `yaml:"console"`
	Slack     Slack     `yaml:"slack"`
	Telegram  Telegram  `yaml:"telegram"`
	WeCom     WeCom     `yaml:"wecom"`
	Approvals Approvals `yaml:"approvals"`
	Alerts    Alerts    `yaml:"alerts"`
	BSS       BSS       `yaml:"bss"`
	Store     Store     `yaml:"store"`
	Cluster   Cluster   `yaml:"cluster"`
	Control   Control   `yaml:"control"`
	Log       Log       `yaml:"log"`
	Admin     Admin     `yaml:"admin"`

	// Dir is the directory of the config file; relative paths in it are relative to Dir.
	Dir string `yaml:"-"`
}

// Bot configures what every adapter shares.
type Bot struct {
	Name     string `yaml:"name"`     // the bot's username, for "/cmd@name" in group chats
	Language string `yaml:"language"` // zh (default) or en; users may switch with /lang
	Timezone string `yaml:"timezone"` // IANA zone for times shown to people
	PageSize int    `yaml:"page_size"`
	// LiveMaxCustomers is the most customers /expiring --live queries one by one; above it
	// the answer comes from the last expiry scan's index only.
	LiveMaxCustomers int `yaml:"live_max_customers"`
	// CommandTimeout is how long one command may take, BSS calls included, before it answers
	// "BSS did not answer in time" (/scan has 15 minutes).
	CommandTimeout time.Duration `yaml:"command_timeout"`
	// ShutdownTimeout is how long, after SIGTERM or SIGINT, commands in flight and sends under
	// way may take to finish before the bot exits anyway.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	// UserRate bounds how fast one person's commands are taken on a chat platform; past it
	// they are answered "too fast, try again in N s" (once in a while, not per message).
	UserRate UserRate `yaml:"user_rate"`
}

// UserRate is a person's command rate: PerMinute a minute sustained, Burst at once.
type UserRate struct {
	PerMinute float64 `yaml:"per_minute"`
	Burst     int     `yaml:"burst"`
}

// Admin configures the operators' HTTP endpoint: /healthz, /readyz, /metrics.
type Admin struct {
	Listen string `yaml:"listen"` // host:port; empty = no admin endpoint
}

// Roles maps chat users to roles. Keys are "platform:user-id" (console:alice, slack:U0123,
// telegram:123456789, wecom:zhangsan); values viewer, operator, approver or admin.
type Roles struct {
	Default string            `yaml:"default"` // role of users not listed; "none" refuses them
	Users   map[string]string `yaml:"users"`
}

// Approvals configures actions (renew, unsubscribe, auto-renew, quota reclaim) and their
// four-eyes approval.
type Approvals struct {
	Required    int           `yaml:"required"`     // approvals needed besides the requester
	ExpireAfter time.Duration `yaml:"expire_after"` // a request not approved and run by then expires
	// ActionTimeout bounds an approved action's BSS call; running out is an unknown outcome,
	// settled from BSS state, never re-sent.
	ActionTimeout time.Duration `yaml:"action_timeout"`
	Channel       string        `yaml:"channel"` // platform:channel told of every new request
	// ActionChannels lists where actions may be requested and decided, as platform:channel or
	// platform:* (every channel of the platform). Read-only commands work everywhere.
	ActionChannels []string `yaml:"action_channels"`
}

// Alerts configures the proactive expiry and arrears scans.
type Alerts struct {
	Enabled         bool   `yaml:"enabled"`
	ExpirySchedule  string `yaml:"expiry_schedule"`  // cron spec in bot.timezone
	ArrearsSchedule string `yaml:"arrears_schedule"` // cron spec in bot.timezone
	// Report is when the partner report goes to the channels subscribed with /subscribe report
	// (cron spec in bot.timezone; default Mondays 09:00).
	Report      string        `yaml:"report"`
	ArrearsStep float64       `yaml:"arrears_step"` // debt growth (yuan) worth a new alert
	Concurrency int           `yaml:"concurrency"`  // BSS queries in flight during a scan
	Lookback    time.Duration `yaml:"lookback"`     // how long after expiry a resource is still reported
	// Delta keeps an expiry index and, after a first full scan, asks BSS only about customers
	// with orders, new customers, resources crossing a threshold and a rotating slice.
	Delta        bool          `yaml:"delta"`
	FullRefresh  time.Duration `yaml:"full_refresh"`  // every customer listed in full at least this often
	OrderOverlap time.Duration `yaml:"order_overlap"` // order windows start this long before the last scan
	// ForecastDays is how many days before its expiry an auto-renewing resource whose renewal
	// quote exceeds its customer's balance is alerted (kind forecast); Huawei tries 7 days before.
	ForecastDays int `yaml:"forecast_days"`
	// Health configures the health scan (README "Proactive alerts").
	Health AlertsHealth `yaml:"health"`
	// Subscriptions declared here, for channels the bot cannot be talked to in (a WeCom group
	// robot, say). They replace the previous configuration's at every start.
	Subscriptions []ConfigSubscription `yaml:"subscriptions"`
}

// AlertsHealth configures the health scan: release countdown, unverified customers, coupons
// lapsing, the partner's funds and orders waiting for payment.
type AlertsHealth struct {
	Schedule    string `yaml:"schedule"`     // cron spec in bot.timezone
	ReleaseDays []int  `yaml:"release_days"` // thresholds before a deletion, e.g. [7, 3, 1]
	// Release is the grace and retention days by customer level (V0–V5, or default for the
	// levels not listed); empty: Huawei's documented V3 example, 7 + 7, for every level.
	Release                map[string]ReleaseDays `yaml:"release"`
	UnverifiedDays         int                    `yaml:"unverified_days"`          // unverified customers with resources expiring within
	CouponDays             int                    `yaml:"coupon_days"`              // coupons and quotas expiring within
	PartnerMinBalance      float64                `yaml:"partner_min_balance"`      // yuan; balance + remaining credit below it; 0 = off
	PartnerForecastPercent int                    `yaml:"partner_forecast_percent"` // ... or below this % of the 30-day forecast; 0 = off
}

// ReleaseDays are one customer level's days of grace and of retention after expiry.
type ReleaseDays struct {
	Grace     int `yaml:"grace"`
	Retention int `yaml:"retention"`
}

// ConfigSubscription is one subscription declared in the file.
type ConfigSubscription struct {
	Channel string `yaml:"channel"` // platform:channel
	Kind    string `yaml:"kind"`    // expiry, arrears, forecast or all
	Scope   string `yaml:"scope"`   // "*", a customer id, or label:X
	Days    []int  `yaml:"days"`    // expiry thresholds; default 30,15,7,3,1
}

// Console configures the line-based chat on standard input and output.
type Console struct {
	// Enabled: true runs the console on standard input even when it is not a terminal (a
	// script piping commands in); false never reads standard input (a service); unset, the
	// console runs only when standard input is a terminal.
	Enabled *bool  `yaml:"enabled"`
	User    string `yaml:"user"` // the console user is console:<user>
}

// On reports whether the console runs, given whether standard input is a terminal.
func (c Console) On(stdinIsTerminal bool) bool {
	if c.Enabled == nil {
		return stdinIsTerminal
	}
	return *c.Enabled
}

// Slack configures the Slack adapter (bot/slack). Its secrets are never read from the file:
// resolve fills them from SLACK_BOT_TOKEN, SLACK_APP_TOKEN and SLACK_SIGNING_SECRET.
type Slack struct {
	Enabled bool   `yaml:"enabled"`
	Mode    string `yaml:"mode"`    // socket (Socket Mode, the default) or http (Events API endpoints)
	APIURL  string `yaml:"api_url"` // Web API base URL; a proxy or a test server may stand in
	Listen  string `yaml:"listen"`  // http mode: address serving /slack/commands, /slack/events, /slack/interactive
	// Command is the umbrella slash command: "/pb customer 张三". Every registry command is
	// also accepted as its own slash command ("/customer 张三").
	Command string        `yaml:"command"`
	Workers int           `yaml:"workers"` // commands run at once; more wait in a queue of 8 per worker
	Timeout time.Duration `yaml:"timeout"` // longest a command may run before it is answered with an error

	BotToken      string `yaml:"-"` // SLACK_BOT_TOKEN, xoxb-…: every Web API call
	AppToken      string `yaml:"-"` // SLACK_APP_TOKEN, xapp-…: Socket Mode only
	SigningSecret string `yaml:"-"` // SLACK_SIGNING_SECRET: http mode only
}

// The environment variables the Slack secrets come from.
const (
	EnvSlackBotToken      = "SLACK_BOT_TOKEN"
	EnvSlackAppToken      = "SLACK_APP_TOKEN"
	EnvSlackSigningSecret = "SLACK_SIGNING_SECRET"
)

// DefaultSlack is the Slack section when the file says nothing: off, Socket Mode.
func DefaultSlack() Slack {
	return Slack{Mode: "socket", APIURL: "https://slack.com/api/", Listen: "127.0.0.1:8081", Command: "/pb",
		Workers: 8, Timeout: 2 * time.Minute}
}

var slackCommand = regexp.MustCompile(`^/[a-z0-9][a-z0-9_-]{0,30}$`)

// resolve reads the Slack secrets from the environment (getenv) and reports every problem of
// the section through bad; the secrets' values never appear in a message.
func (s *Slack) resolve(getenv func(string) string, bad func(path, msg string)) {
	s.BotToken, s.AppToken, s.SigningSecret = "", "", ""
	if s.Enabled {
		s.BotToken = strings.TrimSpace(getenv(EnvSlackBotToken))
		switch s.Mode {
		case "socket":
			s.AppToken = strings.TrimSpace(getenv(EnvSlackAppToken))
		case "http":
			s.SigningSecret = strings.TrimSpace(getenv(EnvSlackSigningSecret))
		}
	}
	switch s.Mode {
	case "socket", "http":
	default:
		bad("slack.mode", "must be socket (Socket Mode, no public URL) or http (Events API endpoints on slack.listen)")
	}
	if u, err := url.Parse(s.APIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("slack.api_url", fmt.Sprintf("%q is not an http(s) URL such as https://slack.com/api/", s.APIURL))
	}
	if s.Mode == "http" {
		if _, port, err := net.SplitHostPort(s.Listen); err != nil || port == "" {
			bad("slack.listen", fmt.Sprintf("%q is not a listen address such as 127.0.0.1:8081 or :8081", s.Listen))
		}
	}
	if !slackCommand.MatchString(s.Command) {
		bad("slack.command", fmt.Sprintf("%q must be a slash command: /, then up to 31 lower-case letters, digits, - or _", s.Command))
	}
	if s.Workers < 1 || s.Workers > 256 {
		bad("slack.workers", "must be between 1 and 256")
	}
	if s.Timeout < time.Second || s.Timeout > 30*time.Minute {
		bad("slack.timeout", "must be between 1s and 30m (a slash command's response_url lasts 30 minutes)")
	}
	if !s.Enabled {
		return
	}
	switch {
	case s.BotToken == "":
		bad("slack.enabled", "the environment variable "+EnvSlackBotToken+" (the bot token, xoxb-…) is not set")
	case !strings.HasPrefix(s.BotToken, "xoxb-") && !strings.HasPrefix(s.BotToken, "xoxe.xoxb-"):
		bad("slack.enabled", EnvSlackBotToken+" is not a bot token (it must start with xoxb-)")
	}
	switch {
	case s.Mode == "socket" && s.AppToken == "":
		bad("slack.mode", "Socket Mode needs the environment variable "+EnvSlackAppToken+" (an app-level token, xapp-…, with connections:write)")
	case s.Mode == "socket" && !strings.HasPrefix(s.AppToken, "xapp-"):
		bad("slack.mode", EnvSlackAppToken+" is not an app-level token (it must start with xapp-)")
	case s.Mode == "http" && s.SigningSecret == "":
		bad("slack.mode", "http mode needs the environment variable "+EnvSlackSigningSecret+" (the app's signing secret)")
	}
}

// Telegram configures the Telegram adapter. The bot token comes only from the environment
// (TELEGRAM_BOT_TOKEN), as does the webhook's secret token (TELEGRAM_WEBHOOK_SECRET).
type Telegram struct {
	Enabled bool `yaml:"enabled"`
	// APIEndpoint is the Bot API server: Telegram's, or a self-hosted one.
	APIEndpoint    string          `yaml:"api_endpoint"`
	Mode           string          `yaml:"mode"`         // poll (long polling) or webhook
	PollTimeout    time.Duration   `yaml:"poll_timeout"` // how long one getUpdates waits for news
	Webhook        TelegramWebhook `yaml:"webhook"`
	Workers        int             `yaml:"workers"`         // commands handled at once
	RequestTimeout time.Duration   `yaml:"request_timeout"` // one command's deadline
	ButtonTTL      time.Duration   `yaml:"button_ttl"`      // how long an inline button works
}

// TelegramWebhook is where Telegram delivers updates in webhook mode.
type TelegramWebhook struct {
	URL    string `yaml:"url"`    // public HTTPS URL registered with setWebhook
	Listen string `yaml:"listen"` // local address the bot listens on, behind the URL
	Path   string `yaml:"path"`   // local path of the webhook handler
}

// DefaultTelegram is the Telegram section with no keys set: disabled, long polling.
func DefaultTelegram() Telegram {
	return Telegram{APIEndpoint: "https://api.telegram.org", Mode: "poll", PollTimeout: 30 * time.Second,
		Webhook: TelegramWebhook{Listen: ":8443", Path: "/telegram/webhook"}, Workers: 8,
		RequestTimeout: 2 * time.Minute, ButtonTTL: 30 * 24 * time.Hour}
}

// problems reports what is wrong with the Telegram section through report, keys relative to
// the whole file.
func (t Telegram) problems(report func(path, msg string)) {
	bad := func(path, msg string) { report("telegram."+path, msg) }
	if u, err := url.Parse(t.APIEndpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.RawQuery != "" || u.Fragment != "" || strings.Contains(t.APIEndpoint, "%") {
		bad("api_endpoint", fmt.Sprintf("%q must be the http(s) URL of a Bot API server, e.g. https://api.telegram.org", t.APIEndpoint))
	}
	switch t.Mode {
	case "poll", "webhook":
	default:
		bad("mode", "must be poll or webhook")
	}
	if t.PollTimeout < time.Second || t.PollTimeout > 50*time.Second {
		bad("poll_timeout", "must be between 1s and 50s")
	}
	if t.Mode == "webhook" {
		if t.Enabled {
			u, err := url.Parse(t.Webhook.URL)
			switch {
			case t.Webhook.URL == "":
				bad("webhook.url", "webhook mode needs the public HTTPS URL Telegram posts to")
			case err != nil || u.Scheme != "https" || u.Host == "":
				bad("webhook.url", fmt.Sprintf("%q must be an https URL (Telegram posts to HTTPS only)", t.Webhook.URL))
			case u.Port() != "" && u.Port() != "443" && u.Port() != "80" && u.Port() != "88" && u.Port() != "8443":
				bad("webhook.url", fmt.Sprintf("port %s: Telegram posts only to ports 443, 80, 88 and 8443", u.Port()))
			}
		}
		if _, port, err := net.SplitHostPort(t.Webhook.Listen); err != nil || port == "" {
			bad("webhook.listen", fmt.Sprintf("%q must be host:port or :port, e.g. :8443", t.Webhook.Listen))
		}
		if !strings.HasPrefix(t.Webhook.Path, "/") {
			bad("webhook.path", fmt.Sprintf("%q must start with /", t.Webhook.Path))
		}
	}
	if t.Workers < 1 || t.Workers > 64 {
		bad("workers", "must be between 1 and 64")
	}
	if t.RequestTimeout < 5*time.Second || t.RequestTimeout > 30*time.Minute {
		bad("request_timeout", "must be between 5s and 30m")
	}
	if t.ButtonTTL < time.Hour || t.ButtonTTL > 365*24*time.Hour {
		bad("button_ttl", "must be between 1h and 8760h")
	}
}

// WeCom configures the WeCom (企业微信) adapter: a self-built application (自建应用) whose
// callback brings members' commands and whose message API sends replies and notices, and group
// robots (群机器人) for alert-only groups. Secrets never come from this file: the corp secret,
// callback token and EncodingAESKey come from WECOM_CORP_SECRET, WECOM_CALLBACK_TOKEN and
// WECOM_ENCODING_AES_KEY, each robot's key from WECOM_ROBOT_KEY_<NAME>.
type WeCom struct {
	Enabled  bool                  `yaml:"enabled"`
	CorpID   string                `yaml:"corp_id"`  // 企业ID; empty = robots only
	AgentID  int64                 `yaml:"agent_id"` // the app's AgentId
	APIBase  string                `yaml:"api_base"` // https://qyapi.weixin.qq.com, or a private gateway
	Callback WeComCallback         `yaml:"callback"`
	Robots   map[string]WeComRobot `yaml:"robots"` // name → robot; the channel is wecom:robot:<name>
}

// WeComCallback is where WeCom posts the app's messages (the app's "接收消息" URL).
type WeComCallback struct {
	Listen string `yaml:"listen"` // host:port; empty = no callback (the app only sends)
	Path   string `yaml:"path"`
}

// WeComRobot is one group robot; its webhook key is WECOM_ROBOT_KEY_<NAME>.
type WeComRobot struct {
	RatePerMinute int `yaml:"rate_per_minute"` // WeCom allows 20
}

// WeComRobotKeyEnv is the variable holding robot name's key: the name upper-cased, "-" as "_".
func WeComRobotKeyEnv(name string) string {
	return "WECOM_ROBOT_KEY_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

func defaultWeCom() WeCom {
	return WeCom{APIBase: "https://qyapi.weixin.qq.com", Callback: WeComCallback{Path: "/wecom/callback"}}
}

func (w WeCom) problems(c *Config, bad func(path, msg string)) {
	if !w.Enabled {
		return
	}
	if err := checkURL(w.APIBase); err != nil {
		bad("wecom.api_base", fmt.Sprintf("%q is not an http(s) URL", w.APIBase))
	}
	switch {
	case w.CorpID == "" && w.AgentID != 0:
		bad("wecom.corp_id", "must be set with agent_id (the 企业ID from the admin console's 我的企业 page)")
	case w.CorpID != "" && w.AgentID <= 0:
		bad("wecom.agent_id", "must be the app's AgentId (a positive number) when corp_id is set")
	case w.CorpID == "" && len(w.Robots) == 0:
		bad("wecom", "enabled with neither an app (corp_id, agent_id) nor robots")
	}
	if w.Callback.Listen != "" {
		if w.CorpID == "" {
			bad("wecom.callback.listen", "the callback needs the app: set corp_id and agent_id")
		}
		if _, _, err := net.SplitHostPort(w.Callback.Listen); err != nil {
			bad("wecom.callback.listen", fmt.Sprintf("%q must be host:port, e.g. :8088", w.Callback.Listen))
		}
	}
	if !strings.HasPrefix(w.Callback.Path, "/") {
		bad("wecom.callback.path", "must start with /")
	}
	envs := map[string]string{}
	for _, name := range sortedKeys(mapKeys(w.Robots)) {
		if !robotName.MatchString(name) {
			bad("wecom.robots."+name, "robot names are 1-32 of a-z, 0-9, - and _, starting with a letter or digit")
		}
		if other, dup := envs[WeComRobotKeyEnv(name)]; dup {
			bad("wecom.robots."+name, fmt.Sprintf("shares %s with robot %s: rename one", WeComRobotKeyEnv(name), other))
		}
		envs[WeComRobotKeyEnv(name)] = name
		if r := w.Robots[name].RatePerMinute; r < 0 || r > 20 {
			bad("wecom.robots."+name+".rate_per_minute", "must be between 1 and 20 (WeCom allows 20 a minute); 0 means 20")
		}
	}
	// A robot named in a channel must be configured, or its notices would wait forever.
	check := func(path, channel string) {
		if name, ok := strings.CutPrefix(channel, "wecom:robot:"); ok {
			if _, found := w.Robots[name]; !found {
				bad(path, fmt.Sprintf("names robot %q, which is not under wecom.robots", name))
			}
		}
	}
	check("approvals.channel", c.Approvals.Channel)
	for i, s := range c.Alerts.Subscriptions {
		check(fmt.Sprintf("alerts.subscriptions[%d].channel", i), s.Channel)
	}
}

var robotName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

func mapKeys[V any](m map[string]V) map[string]string {
	out := make(map[string]string, len(m))
	for k := range m {
		out[k] = k
	}
	return out
}

// BSS configures the Huawei Cloud BSS client. Credentials are not here: they come from
// HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK.
type BSS struct {
	// Sandbox runs the built-in fake BSS in-process and talks to it; no credentials needed.
	Sandbox bool `yaml:"sandbox"`
	// SandboxFile is where the sandbox keeps its data, so that every partnerbot process of this
	// configuration sees one world; relative to the config file's directory. "" = beside the
	// store (SandboxPath).
	SandboxFile string `yaml:"sandbox_file"`
	// Endpoint is "china" (default), "international", or a URL (private gateway, test server).
	Endpoint string `yaml:"endpoint"`
	// IAMEndpoint is where agency temporary credentials are obtained; default the global IAM.
	IAMEndpoint string `yaml:"iam_endpoint"`
	// DomainID is the partner's account id, sent as X-Domain-Id.
	DomainID string `yaml:"domain_id"`
	// AgencyName is the agency customers grant the partner; empty = each customer's xaccount_type.
	AgencyName string        `yaml:"agency_name"`
	Timeout    time.Duration `yaml:"timeout"`
	// MaxWait caps one wait the client makes when BSS asks it to slow down (Retry-After);
	// asked to wait longer, it gives up at once and the person is told when to try again.
	MaxWait    time.Duration `yaml:"max_wait"`
	MaxRetries int           `yaml:"max_retries"`
	// Flow control. BSS allows each API its own calls a second: 10, or a documented exception
	// (ListCustomerOrders 20; bss.OperationRates). Each operation's budget is its entry in
	// RatePerOperation (names: bss.Operations()), else OperationRate when set, else its
	// documented rate; RatePerSecond, when set, caps all calls together (0 = no cap).
	RatePerSecond    float64            `yaml:"rate_per_second"`
	OperationRate    float64            `yaml:"operation_rate"`
	RatePerOperation map[string]float64 `yaml:"rate_per_operation"`
	// InteractiveShare is no longer used: scans use the whole budget while nobody waits and give
	// way to a person's call at once. Still read, so that older files load; the start warns.
	InteractiveShare *float64 `yaml:"interactive_share"`
	PageSize         int      `yaml:"page_size"`
}

// Store configures where the bot keeps its state: a bbolt file on one machine (the default) or
// etcd, shared by two or three replicas.
type Store struct {
	// Backend is bbolt (one file, one machine) or etcd (a cluster of replicas).
	Backend string `yaml:"backend"`
	Path    string `yaml:"path"` // the bbolt file, relative to the config file's directory
	// Etcd is where the state lives with backend etcd.
	Etcd Etcd `yaml:"etcd"`
	// LockTimeout is how long to wait for another partnerbot process to release the file.
	LockTimeout time.Duration `yaml:"lock_timeout"`
	// CheckTimeout bounds the consistency check of the whole file at start; a check that runs
	// out of time stops the start.
	CheckTimeout time.Duration `yaml:"check_timeout"`
	// Retention is how long records are kept; the running bot prunes older ones daily.
	Retention Retention `yaml:"retention"`
}

// The store backends.
const (
	BackendBolt = "bbolt"
	BackendEtcd = "etcd"
)

// Etcd configures the connection to the etcd cluster that holds the state with store.backend
// etcd. The password is never in the file: it comes from PARTNERBOT_ETCD_PASSWORD.
type Etcd struct {
	Endpoints   []string      `yaml:"endpoints"`    // client URLs, e.g. https://etcd-0.etcd:2379
	Prefix      string        `yaml:"prefix"`       // every key of the bot starts with it
	Username    string        `yaml:"username"`     // etcd user, when etcd has auth enabled
	DialTimeout time.Duration `yaml:"dial_timeout"` // how long a connection attempt may take
	TLS         EtcdTLS       `yaml:"tls"`
}

// EtcdTLS names the files of a TLS connection to etcd, relative to the config file's directory:
// the CA that signed etcd's certificate (empty: the system's pool), and the client's
// certificate and key when etcd asks for one.
type EtcdTLS struct {
	CAFile   string `yaml:"ca_file"`
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
}

// EtcdPasswordEnv is the environment variable that holds store.etcd.username's password.
const EtcdPasswordEnv = "PARTNERBOT_ETCD_PASSWORD"

// Cluster configures this replica's part in the cluster (store.backend etcd only).
type Cluster struct {
	// ID is this replica's name, as /cluster and the logs show it; default the host name (a
	// pod's name in Kubernetes). Two replicas must not share one.
	ID string `yaml:"id"`
	// Lease is how long a replica that stopped answering stays a member, and leader: the
	// longest a failover takes. Whole seconds (etcd's unit).
	Lease time.Duration `yaml:"lease"`
}

// Control configures the control socket that partnerbot exec and backup reach a running bot by.
type Control struct {
	// Socket is its path, relative to the config file's directory; default beside the bbolt file
	// (store.path + ".sock"), or /run/partnerbot/partnerbot.sock with etcd.
	Socket string `yaml:"socket"`
}

// DefaultEtcdSocket is the control socket of a replica on etcd when control.socket is empty.
const DefaultEtcdSocket = "/run/partnerbot/partnerbot.sock"

// Retention says how long the store keeps records.
type Retention struct {
	Audit time.Duration `yaml:"audit"` // audit entries
	// DeliveredNotices is how long a delivered notice's record is kept; while it is, an equal
	// notice (same dedupe key) is not queued again.
	DeliveredNotices time.Duration `yaml:"delivered_notices"`
}

// Log configures log/slog.
type Log struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // text or json
}

// Default is the configuration with no file at all: the sandbox, a local store.
func Default() *Config {
	return &Config{
		Bot: Bot{Name: "partnerbot", Language: "zh", Timezone: "Asia/Shanghai", PageSize: 10, LiveMaxCustomers: 200, CommandTimeout: time.Minute,
			ShutdownTimeout: 20 * time.Second, UserRate: UserRate{PerMinute: 30, Burst: 10}},
		Roles:     Roles{Default: "none"},
		Console:   Console{User: "admin"},
		Slack:     DefaultSlack(),
		Telegram:  DefaultTelegram(),
		WeCom:     defaultWeCom(),
		Approvals: Approvals{Required: 1, ExpireAfter: 24 * time.Hour, ActionTimeout: 3 * time.Minute},
		Alerts: Alerts{Enabled: true, ExpirySchedule: "0 9 * * *", ArrearsSchedule: "0 * * * *", Report: "0 9 * * 1", ArrearsStep: 100,
			Concurrency: 4, Lookback: 7 * 24 * time.Hour, Delta: true, FullRefresh: 30 * 24 * time.Hour, OrderOverlap: time.Hour, ForecastDays: 10,
			Health: AlertsHealth{Schedule: "30 9 * * *", ReleaseDays: []int{7, 3, 1}, UnverifiedDays: 30, CouponDays: 15}},
		BSS: BSS{
			Sandbox: true, Endpoint: "china", Timeout: 30 * time.Second, MaxWait: 30 * time.Second, MaxRetries: 3,
			PageSize: 100, // rates: 0 = each API's documented rate, no cap over all
		},
		Store: Store{Backend: BackendBolt, Path: "partnerbot.db", LockTimeout: 10 * time.Second, CheckTimeout: 30 * time.Second,
			Retention: Retention{Audit: 400 * 24 * time.Hour, DeliveredNotices: 30 * 24 * time.Hour},
			Etcd:      Etcd{Prefix: "/partnerbot/", DialTimeout: 5 * time.Second}},
		Cluster: Cluster{Lease: 10 * time.Second},
		Log:     Log{Level: "info", Format: "text"},
		Admin:   Admin{Listen: "127.0.0.1:8079"},
		Dir:     ".",
	}
}

// FieldError is one problem at one key path, e.g. "bss.timeout: must be positive".
type FieldError struct {
	Path string
	Line int
	Msg  string
}

func (e FieldError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s (line %d): %s", e.Path, e.Line, e.Msg)
	}
	return e.Path + ": " + e.Msg
}

// Errors is every problem found in a file.
type Errors []FieldError

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = "  - " + e.Error()
	}
	return fmt.Sprintf("%d problem(s) in the configuration:\n%s", len(es), strings.Join(lines, "\n"))
}

// Load reads path over the defaults and validates it. Every unknown key and invalid value is
// reported in one Errors value.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	cfg, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	cfg.Dir = filepath.Dir(abs)
	return cfg, nil
}

// Parse decodes YAML over the defaults and validates it.
func Parse(data []byte) (*Config, error) {
	cfg := Default()
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	var errs Errors
	if len(root.Content) > 0 {
		moreDocuments(dec, &errs)
		doc := root.Content[0]
		if doc.Kind != yaml.MappingNode {
			errs = append(errs, FieldError{Path: "(top)", Line: doc.Line, Msg: "must be a mapping of keys"})
			sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
			return nil, errs
		}
		duplicateKeys(doc, "", &errs)
		emptyValues(doc, reflect.TypeOf(*cfg), "", &errs)
		unknownKeys(doc, reflect.TypeOf(*cfg), "", &errs)
		if err := decodeEach(doc, reflect.ValueOf(cfg).Elem(), "", &errs); err != nil {
			return nil, err
		}
	}
	lines := map[string]int{}
	if len(root.Content) > 0 {
		keyLines(root.Content[0], "", lines)
	}
	for _, e := range cfg.validate() {
		if e.Line == 0 {
			e.Line = lineOf(e.Path, lines)
		}
		errs = append(errs, e)
	}
	if len(errs) > 0 {
		sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
		return nil, errs
	}
	return cfg, nil
}

// duplicateKeys reports every key given twice in one mapping, at any depth (YAML would keep the
// last silently), and removes the repeats from the tree so that decoding reports nothing twice.
func duplicateKeys(n *yaml.Node, prefix string, errs *Errors) {
	switch n.Kind {
	case yaml.MappingNode:
		first := map[string]int{}
		kept := n.Content[:0:0]
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			path := join(prefix, k.Value)
			if k.Kind == yaml.ScalarNode {
				if line, dup := first[k.Value]; dup {
					*errs = append(*errs, FieldError{Path: path, Line: k.Line,
						Msg: fmt.Sprintf("duplicate key: already at line %d; give each key once", line)})
					continue
				}
				first[k.Value] = k.Line
			}
			duplicateKeys(v, path, errs)
			kept = append(kept, k, v)
		}
		n.Content = kept
	case yaml.SequenceNode:
		for i, item := range n.Content {
			duplicateKeys(item, fmt.Sprintf("%s[%d]", prefix, i), errs)
		}
	}
}

// moreDocuments reports a YAML document after the first (after a "---" line), which Parse would
// otherwise ignore: everything in it would silently not apply. Documents with nothing in them
// (a trailing "---", comments) change nothing and pass.
func moreDocuments(dec *yaml.Decoder, errs *Errors) {
	for n := 2; ; n++ {
		var doc yaml.Node
		err := dec.Decode(&doc)
		switch {
		case errors.Is(err, io.EOF):
			return
		case err != nil:
			*errs = append(*errs, FieldError{Path: fmt.Sprintf("(document %d)", n),
				Msg: fmt.Sprintf("a second YAML document follows a --- line and does not parse (%v); "+
					"partnerbot reads one document: remove it, or merge what it says into the first", err)})
			return
		case len(doc.Content) == 0 || (doc.Content[0].Kind == yaml.ScalarNode && doc.Content[0].ShortTag() == "!!null"):
			continue
		}
		*errs = append(*errs, FieldError{Path: fmt.Sprintf("(document %d)", n), Line: doc.Line,
			Msg: "a second YAML document starts at this --- line; partnerbot reads one document and would ignore " +
				"everything after it: merge it into the first or remove it"})
		return
	}
}

// emptyValues reports, and removes from the tree so that nothing else reports them again,
// what YAML would let through silently:
//   - a key with no value ("page_size:", "~") where a value is needed: a number, text, a
//     duration or a role would keep its default or become empty unnoticed. A section
//     ("slack:"), a list or a map with nothing under it stays what it is by default, and a
//     setting that may be unset (console.enabled) is unset;
//   - in a map of names (roles.users, bss.rate_per_operation, wecom.robots), a null key, which
//     YAML drops, and a key with spaces at its start or end, which matches no one.
func emptyValues(n *yaml.Node, t reflect.Type, prefix string, errs *Errors) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind != yaml.MappingNode || (t.Kind() != reflect.Struct && t.Kind() != reflect.Map) {
		if n.Kind == yaml.SequenceNode && t.Kind() == reflect.Slice {
			for i, item := range n.Content {
				emptyValues(item, t.Elem(), fmt.Sprintf("%s[%d]", prefix, i), errs)
			}
		}
		return
	}
	fields := map[string]reflect.Type{}
	if t.Kind() == reflect.Struct {
		for i := 0; i < t.NumField(); i++ {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
			if name != "" && name != "-" {
				fields[name] = t.Field(i).Type
			}
		}
	}
	kept := n.Content[:0:0]
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		path := join(prefix, k.Value)
		vt, ok := fields[k.Value]
		if t.Kind() == reflect.Map {
			vt, ok = t.Elem(), true
			switch {
			case isNull(k):
				*errs = append(*errs, FieldError{Path: join(prefix, "(null)"), Line: k.Line,
					Msg: "a key is missing (empty, ~ or null before the colon): write the name, or remove the line"})
				continue
			case strings.TrimSpace(k.Value) != k.Value:
				*errs = append(*errs, FieldError{Path: join(prefix, strconv.Quote(k.Value)), Line: k.Line,
					Msg: fmt.Sprintf("the key %q has spaces at its start or end, so it would match nothing: write %q", k.Value, strings.TrimSpace(k.Value))})
				continue
			}
		}
		if ok && isNull(v) && needsValue(vt) {
			*errs = append(*errs, FieldError{Path: path, Line: k.Line, Msg: "no value given: " + valueHint(path, vt, t.Kind() == reflect.Map)})
			continue
		}
		if ok {
			emptyValues(v, vt, path, errs)
		}
		kept = append(kept, k, v)
	}
	n.Content = kept
}

// isNull reports whether n is YAML's null: nothing, ~ or null.
func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// needsValue reports whether a key of type t must be given a value when it is written: text,
// numbers, durations and switches. Sections, lists, maps and settings that may be unset
// (pointers) take a null as "nothing set".
func needsValue(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

// valueHint says what to write for a key left without a value; inMap: an entry of a map of
// names, which has no default.
func valueHint(path string, t reflect.Type, inMap bool) string {
	switch {
	case strings.HasPrefix(path, "roles.users."):
		return "write the role (viewer, operator, approver or admin), or remove the line"
	case inMap:
		return "write the value, or remove the line"
	case t.Kind() == reflect.String:
		return `write the value ("" for empty), or remove the key to keep its default`
	default:
		return "write the value, or remove the key to keep its default"
	}
}

// unknownKeys walks the YAML mapping against the struct's yaml tags.
func unknownKeys(n *yaml.Node, t reflect.Type, prefix string, errs *Errors) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		fields := map[string]reflect.Type{}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "" || name == "-" {
				continue
			}
			fields[name] = f.Type
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			ft, ok := fields[k.Value]
			if !ok {
				msg := "unknown key" + suggest(k.Value, fields)
				if env := secretEnv(join(prefix, k.Value)); env != "" {
					msg = "secrets are never read from the file: put it in the environment variable " + env + " instead, and remove this key"
				}
				*errs = append(*errs, FieldError{Path: join(prefix, k.Value), Line: k.Line, Msg: msg})
				continue
			}
			unknownKeys(v, ft, join(prefix, k.Value), errs)
		}
	case (t.Kind() == reflect.Slice) && n.Kind == yaml.SequenceNode:
		for i, item := range n.Content {
			unknownKeys(item, t.Elem(), fmt.Sprintf("%s[%d]", prefix, i), errs)
		}
	case t.Kind() == reflect.Map && n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			unknownKeys(n.Content[i+1], t.Elem(), join(prefix, n.Content[i].Value), errs)
		}
	}
}

// keyLines records the line of every key (and list item) under n by its key path.
func keyLines(n *yaml.Node, prefix string, lines map[string]int) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			path := join(prefix, n.Content[i].Value)
			lines[path] = n.Content[i].Line
			keyLines(n.Content[i+1], path, lines)
		}
	case yaml.SequenceNode:
		for i, item := range n.Content {
			path := fmt.Sprintf("%s[%d]", prefix, i)
			lines[path] = item.Line
			keyLines(item, path, lines)
		}
	}
}

// lineOf is the line of path in the file, or of its closest ancestor there; 0 when the value
// is a default.
func lineOf(path string, lines map[string]int) int {
	for path != "" {
		if line, ok := lines[path]; ok {
			return line
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return 0
}

// decodeEach decodes key by key so that one bad value does not hide the others.
func decodeEach(n *yaml.Node, v reflect.Value, prefix string, errs *Errors) error {
	t := v.Type()
	if t.Kind() != reflect.Struct || n.Kind != yaml.MappingNode {
		if err := n.Decode(v.Addr().Interface()); err != nil {
			*errs = append(*errs, FieldError{Path: prefix, Line: n.Line, Msg: typeMsg(err)})
		}
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		for j := 0; j < t.NumField(); j++ {
			name, _, _ := strings.Cut(t.Field(j).Tag.Get("yaml"), ",")
			if name != k.Value || name == "-" {
				continue
			}
			fv := v.Field(j)
			if fv.Kind() == reflect.Struct && t.Field(j).Type != reflect.TypeOf(time.Time{}) {
				if err := decodeEach(val, fv, join(prefix, name), errs); err != nil {
					return err
				}
				continue
			}
			if err := val.Decode(fv.Addr().Interface()); err != nil {
				*errs = append(*errs, FieldError{Path: join(prefix, name), Line: val.Line, Msg: typeMsg(err)})
			}
		}
	}
	return nil
}

func typeMsg(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg := te.Errors[0]
		if _, after, ok := strings.Cut(msg, ": "); ok {
			msg = after
		}
		return "invalid value: " + msg
	}
	return "invalid value: " + err.Error()
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

func suggest(key string, fields map[string]reflect.Type) string {
	best, bestD := "", 3
	for f := range fields {
		if d := fuzzy.Distance(key, f); d < bestD {
			best, bestD = f, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func (c *Config) validate() Errors {
	var errs Errors
	bad := func(path, msg string) { errs = append(errs, FieldError{Path: path, Msg: msg}) }
	intIn := func(path string, v, lo, hi int, note string) {
		if v < lo || v > hi {
			bad(path, fmt.Sprintf("must be between %d and %d%s, not %d", lo, hi, note, v))
		}
	}
	durationIn := func(path string, v, lo, hi time.Duration) {
		if v < lo || v > hi {
			bad(path, fmt.Sprintf("must be between %s and %s, not %s", fmtDuration(lo), fmtDuration(hi), fmtDuration(v)))
		}
	}
	floatIn := func(path string, v, lo, hi float64, note string) {
		if !(v >= lo && v <= hi) { // also NaN
			bad(path, fmt.Sprintf("must be between %s and %s%s, not %s",
				strconv.FormatFloat(lo, 'f', -1, 64), strconv.FormatFloat(hi, 'f', -1, 64), note, strconv.FormatFloat(v, 'g', -1, 64)))
		}
	}
	switch c.Bot.Language {
	case "zh", "en":
	default:
		bad("bot.language", "must be zh or en")
	}
	if _, err := time.LoadLocation(c.Bot.Timezone); err != nil || c.Bot.Timezone == "" {
		bad("bot.timezone", fmt.Sprintf("unknown time zone %q (use an IANA name such as Asia/Shanghai)", c.Bot.Timezone))
	}
	intIn("bot.page_size", c.Bot.PageSize, 1, 50, "")
	intIn("bot.live_max_customers", c.Bot.LiveMaxCustomers, 1, 100000, "")
	if !validRole(c.Roles.Default) {
		bad("roles.default", "must be none, viewer, operator, approver or admin")
	}
	for _, user := range sortedKeys(c.Roles.Users) {
		platform, id, ok := strings.Cut(user, ":")
		if !ok || id == "" || !validPlatform(platform) {
			bad("roles.users."+user, "keys are platform:user-id with platform console, slack, telegram, wecom or exec")
		}
		if role := c.Roles.Users[user]; !validRole(role) || role == "none" {
			bad("roles.users."+user, fmt.Sprintf("role %q must be viewer, operator, approver or admin", role))
		}
	}
	intIn("approvals.required", c.Approvals.Required, 1, 5, "")
	durationIn("approvals.expire_after", c.Approvals.ExpireAfter, time.Minute, 30*24*time.Hour)
	durationIn("approvals.action_timeout", c.Approvals.ActionTimeout, time.Second, time.Hour)
	durationIn("bot.command_timeout", c.Bot.CommandTimeout, time.Second, time.Hour)
	durationIn("bot.shutdown_timeout", c.Bot.ShutdownTimeout, time.Second, 10*time.Minute)
	floatIn("bot.user_rate.per_minute", c.Bot.UserRate.PerMinute, 1, 6000, " (commands a minute per person)")
	intIn("bot.user_rate.burst", c.Bot.UserRate.Burst, 1, 1000, " (commands at once per person)")
	if c.Admin.Listen != "" {
		if _, port, err := net.SplitHostPort(c.Admin.Listen); err != nil || port == "" {
			bad("admin.listen", fmt.Sprintf("%q is not a listen address such as 127.0.0.1:8079 or :8079 (empty: no admin endpoint)", c.Admin.Listen))
		}
	}
	if c.Approvals.Channel != "" {
		if p, ch, ok := strings.Cut(c.Approvals.Channel, ":"); !ok || ch == "" || ch == "*" || !validPlatform(p) {
			bad("approvals.channel", "must be platform:channel, e.g. slack:C0123456 or console:console")
		}
	}
	for i, ac := range c.Approvals.ActionChannels {
		if p, ch, ok := strings.Cut(ac, ":"); !ok || ch == "" || !validPlatform(p) {
			bad(fmt.Sprintf("approvals.action_channels[%d]", i), fmt.Sprintf("%q must be platform:channel or platform:*", ac))
		}
	}
	for _, f := range []struct{ path, spec string }{{"alerts.expiry_schedule", c.Alerts.ExpirySchedule}, {"alerts.arrears_schedule", c.Alerts.ArrearsSchedule},
		{"alerts.health.schedule", c.Alerts.Health.Schedule}, {"alerts.report", c.Alerts.Report}} {
		if _, err := cron.ParseStandard(f.spec); err != nil {
			bad(f.path, fmt.Sprintf("%q is not a cron schedule (e.g. \"0 9 * * *\" or @hourly): %v", f.spec, err))
		}
	}
	floatIn("alerts.arrears_step", c.Alerts.ArrearsStep, 0.01, 1e9, " (yuan)")
	c.Alerts.Health.check(bad, intIn, floatIn)
	intIn("alerts.concurrency", c.Alerts.Concurrency, 1, 64, "")
	durationIn("alerts.lookback", c.Alerts.Lookback, time.Hour, 90*24*time.Hour)
	durationIn("alerts.full_refresh", c.Alerts.FullRefresh, 24*time.Hour, 90*24*time.Hour)
	durationIn("alerts.order_overlap", c.Alerts.OrderOverlap, time.Minute, 48*time.Hour)
	intIn("alerts.forecast_days", c.Alerts.ForecastDays, 1, 60, "")
	for i, s := range c.Alerts.Subscriptions {
		path := fmt.Sprintf("alerts.subscriptions[%d]", i)
		if p, ch, ok := strings.Cut(s.Channel, ":"); !ok || ch == "" || ch == "*" || !validPlatform(p) {
			bad(path+".channel", fmt.Sprintf("%q must be platform:channel", s.Channel))
		}
		switch s.Kind {
		case "expiry", "arrears", "health", "forecast", "report", "all":
		default:
			bad(path+".kind", "must be expiry, arrears, health, forecast, report or all")
		}
		if s.Scope == "" {
			bad(path+".scope", `must be "*", a customer id or label:NAME`)
		}
		for _, d := range s.Days {
			if d < 1 || d > 365 {
				bad(path+".days", fmt.Sprintf("thresholds are days from 1 to 365, not %d", d))
				break
			}
		}
	}
	if (c.Console.Enabled == nil || *c.Console.Enabled) && strings.TrimSpace(c.Console.User) == "" {
		bad("console.user", "must name the console user (the user is console:<user>)")
	}
	c.Slack.resolve(os.Getenv, bad)
	c.Telegram.problems(bad)
	c.WeCom.problems(c, bad)
	if _, err := c.BSS.EndpointURL(); err != nil {
		bad("bss.endpoint", err.Error())
	}
	if c.BSS.Sandbox && filepath.Clean(c.SandboxPath()) == filepath.Clean(c.StorePath()) {
		bad("bss.sandbox_file", "must be a file of its own, not the store (store.path)")
	}
	if c.BSS.IAMEndpoint != "" {
		if err := checkURL(c.BSS.IAMEndpoint); err != nil {
			bad("bss.iam_endpoint", err.Error())
		}
	}
	durationIn("bss.timeout", c.BSS.Timeout, 100*time.Millisecond, 10*time.Minute)
	durationIn("bss.max_wait", c.BSS.MaxWait, time.Second, 10*time.Minute)
	intIn("bss.max_retries", c.BSS.MaxRetries, 0, 10, "")
	if c.BSS.RatePerSecond != 0 {
		floatIn("bss.rate_per_second", c.BSS.RatePerSecond, 0.1, 10000, " (or 0: no cap)")
	}
	if c.BSS.OperationRate != 0 {
		floatIn("bss.operation_rate", c.BSS.OperationRate, 0.1, 1000, " (or 0: each API's documented rate)")
	}
	for _, op := range sortedKeys(c.BSS.RatePerOperation) {
		path := "bss.rate_per_operation." + op
		if !slices.Contains(bss.Operations(), op) {
			bad(path, "keys are the BSS operations the bot calls: "+strings.Join(bss.Operations(), ", "))
			continue
		}
		floatIn(path, c.BSS.RatePerOperation[op], 0.1, 1000, "")
	}
	if c.BSS.InteractiveShare != nil {
		floatIn("bss.interactive_share", *c.BSS.InteractiveShare, 0, 0.9, "")
	}
	intIn("bss.page_size", c.BSS.PageSize, 1, 100, " (the API's maximum)")
	if strings.TrimSpace(c.Store.Path) == "" {
		bad("store.path", "must not be empty")
	}
	switch c.Store.Backend {
	case BackendBolt:
	case BackendEtcd:
		c.validateEtcd(bad, durationIn)
	default:
		bad("store.backend", "must be bbolt (one machine) or etcd (a cluster of replicas)")
	}
	durationIn("store.lock_timeout", c.Store.LockTimeout, 10*time.Millisecond, 10*time.Minute)
	durationIn("store.check_timeout", c.Store.CheckTimeout, time.Second, time.Hour)
	durationIn("store.retention.audit", c.Store.Retention.Audit, 24*time.Hour, 100*366*24*time.Hour)
	durationIn("store.retention.delivered_notices", c.Store.Retention.DeliveredNotices, 24*time.Hour, 366*24*time.Hour)
	switch strings.ToLower(c.Log.Level) {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level", "must be debug, info, warn or error")
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		bad("log.format", "must be text or json")
	}
	return errs
}

// fmtDuration writes d as people do: 720h rather than 720h0m0s.
func fmtDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func validRole(r string) bool {
	switch r {
	case "none", "viewer", "operator", "approver", "admin":
		return true
	}
	return false
}

func validPlatform(p string) bool {
	switch p {
	case "console", "slack", "telegram", "wecom", "exec":
		return true
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Location is the configured time zone (validated by Load).
func (c *Config) Location() *time.Location {
	loc, err := time.LoadLocation(c.Bot.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// EndpointURL resolves "china", "international" or a URL to the BSS base URL.
func (b BSS) EndpointURL() (string, error) {
	switch strings.ToLower(strings.TrimSpace(b.Endpoint)) {
	case "", "china", "cn":
		return "https://bss.myhuaweicloud.com", nil
	case "international", "intl":
		return "https://bss-intl.myhuaweicloud.com", nil
	}
	if err := checkURL(b.Endpoint); err != nil {
		return "", err
	}
	return strings.TrimRight(b.Endpoint, "/"), nil
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is neither china, international nor an http(s) URL", s)
	}
	return nil
}

// SandboxPath is bss.sandbox_file resolved against the config file's directory, or, when it is
// empty, the store's path with ".sandbox.db" for its extension (partnerbot.db:
// partnerbot.sandbox.db).
func (c *Config) SandboxPath() string {
	if c.BSS.SandboxFile == "" {
		p := c.StorePath()
		return strings.TrimSuffix(p, filepath.Ext(p)) + ".sandbox.db"
	}
	if filepath.IsAbs(c.BSS.SandboxFile) {
		return c.BSS.SandboxFile
	}
	return filepath.Join(c.Dir, c.BSS.SandboxFile)
}

// validateEtcd checks store.etcd and cluster, which matter with store.backend etcd only.
func (c *Config) validateEtcd(bad func(path, msg string), durationIn func(path string, v, lo, hi time.Duration)) {
	e := c.Store.Etcd
	if len(e.Endpoints) == 0 {
		bad("store.etcd.endpoints", "must list etcd's client URLs with store.backend etcd, e.g. [https://etcd-0:2379, https://etcd-1:2379, https://etcd-2:2379]")
	}
	for i, ep := range e.Endpoints {
		u, err := url.Parse(ep)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			bad(fmt.Sprintf("store.etcd.endpoints[%d]", i), fmt.Sprintf("%q is not a client URL: want http(s)://host:port", ep))
		}
	}
	if !strings.HasPrefix(e.Prefix, "/") || strings.ContainsAny(e.Prefix, " \t\n") {
		bad("store.etcd.prefix", "must start with / and have no spaces, e.g. /partnerbot/")
	}
	if e.Username != "" && os.Getenv(EtcdPasswordEnv) == "" {
		bad("store.etcd.username", "is set but "+EtcdPasswordEnv+" is empty: the password comes from the environment only")
	}
	if (e.TLS.CertFile == "") != (e.TLS.KeyFile == "") {
		bad("store.etcd.tls", "cert_file and key_file go together")
	}
	durationIn("store.etcd.dial_timeout", e.DialTimeout, 100*time.Millisecond, time.Minute)
	durationIn("cluster.lease", c.Cluster.Lease, 2*time.Second, time.Minute)
	if c.Cluster.Lease%time.Second != 0 {
		bad("cluster.lease", "must be whole seconds (etcd's lease unit)")
	}
	if strings.ContainsAny(c.Cluster.ID, "/ \t\n") {
		bad("cluster.id", "must have no slashes or spaces")
	}
}

// EtcdFile is a file of store.etcd.tls resolved against the config file's directory; "" stays "".
func (c *Config) EtcdFile(path string) string {
	if path == "" || filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(c.Dir, path)
}

// ControlSocket is the control socket's path: control.socket resolved against the config file's
// directory, by default beside the bbolt file (store.path + ".sock") or DefaultEtcdSocket.
func (c *Config) ControlSocket() string {
	switch {
	case c.Control.Socket != "" && filepath.IsAbs(c.Control.Socket):
		return c.Control.Socket
	case c.Control.Socket != "":
		return filepath.Join(c.Dir, c.Control.Socket)
	case c.Store.Backend == BackendEtcd:
		return DefaultEtcdSocket
	}
	return c.StorePath() + ".sock"
}

// ReplicaID is cluster.id, or the host name when it is empty.
func (c *Config) ReplicaID() string {
	if c.Cluster.ID != "" {
		return c.Cluster.ID
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		return h
	}
	return fmt.Sprintf("pid-%d", os.Getpid())
}

// StorePath is store.path resolved against the config file's directory.
func (c *Config) StorePath() string {
	if filepath.IsAbs(c.Store.Path) {
		return c.Store.Path
	}
	return filepath.Join(c.Dir, c.Store.Path)
}

// check reports what is wrong with the health scan's settings.
func (h AlertsHealth) check(bad func(path, msg string), intIn func(path string, v, lo, hi int, note string),
	floatIn func(path string, v, lo, hi float64, note string)) {
	if len(h.ReleaseDays) == 0 || len(h.ReleaseDays) > 10 {
		bad("alerts.health.release_days", "give 1 to 10 thresholds in days, e.g. [7, 3, 1]")
	}
	for _, d := range h.ReleaseDays {
		if d < 1 || d > 365 {
			bad("alerts.health.release_days", fmt.Sprintf("thresholds are days from 1 to 365, not %d", d))
			break
		}
	}
	for level, p := range h.Release {
		path := "alerts.health.release." + level
		switch level {
		case "V0", "V1", "V2", "V3", "V4", "V5", "default":
		default:
			bad(path, "levels are V0 to V5 (customer_level), or default for the levels not listed")
		}
		intIn(path+".grace", p.Grace, 0, 365, " days")
		intIn(path+".retention", p.Retention, 0, 365, " days")
	}
	intIn("alerts.health.unverified_days", h.UnverifiedDays, 1, 365, " days")
	intIn("alerts.health.coupon_days", h.CouponDays, 1, 365, " days")
	floatIn("alerts.health.partner_min_balance", h.PartnerMinBalance, 0, 1e12, " (yuan; 0 = off)")
	intIn("alerts.health.partner_forecast_percent", h.PartnerForecastPercent, 0, 1000, " (0 = off)")
}
