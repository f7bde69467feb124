package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/partnerbot/partnerbot/config"
	"github.com/partnerbot/partnerbot/store"
	"github.com/partnerbot/partnerbot/store/etcdstore"
)

// openStore opens the configuration's store: the bbolt file (waiting at most lockTimeout for
// another process to release it), or with store.backend etcd the keys under store.etcd.prefix
// over a client of its own. etcd is the returned client (nil with bbolt), for the cluster's
// election; closing the returned store does not close it: close() closes both.
func openStore(ctx context.Context, cfg *config.Config, log *slog.Logger, lockTimeout time.Duration) (st store.Backend, etcd *clientv3.Client, closeAll func() error, err error) {
	if cfg.Store.Backend != config.BackendEtcd {
		bs, err := store.Open(cfg.StorePath(), store.Options{Timeout: lockTimeout, CheckTimeout: cfg.Store.CheckTimeout,
			Logger: log.With("component", "store"), NoticeRetention: cfg.Store.Retention.DeliveredNotices,
			Secrets: envSecrets()})
		if err != nil {
			return nil, nil, nil, err
		}
		return bs, nil, bs.Close, nil
	}
	cli, err := newEtcdClient(cfg, log)
	if err != nil {
		return nil, nil, nil, &unreachableError{fmt.Errorf("store.etcd (%s): %w", strings.Join(cfg.Store.Etcd.Endpoints, ", "), etcdHint(err))}
	}
	octx, cancel := context.WithTimeout(ctx, max(cfg.Store.Etcd.DialTimeout, time.Second))
	defer cancel()
	es, err := etcdstore.Open(octx, cli, etcdstore.Options{Prefix: cfg.Store.Etcd.Prefix, Logger: log.With("component", "store"),
		NoticeRetention: cfg.Store.Retention.DeliveredNotices, Secrets: envSecrets()})
	if err != nil {
		cli.Close()
		return nil, nil, nil, &unreachableError{fmt.Errorf("store.etcd (%s): %w", strings.Join(cfg.Store.Etcd.Endpoints, ", "), etcdHint(err))}
	}
	return es, cli, func() error { return errors.Join(es.Close(), cli.Close()) }, nil
}

// unreachableError is a store that could not be reached or opened though the configuration is
// right (etcd down, refusing the user): a failure (exit 1), not a mistake in the call (exit 2).
type unreachableError struct{ err error }

func (e *unreachableError) Error() string { return e.err.Error() }
func (e *unreachableError) Unwrap() error { return e.err }

// etcdHint adds what to look at to an error of the first etcd call.
func etcdHint(err error) error {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%w (no answer within store.etcd.dial_timeout: are the endpoints right and etcd running?)", err)
	case strings.Contains(err.Error(), "authentication failed") || strings.Contains(err.Error(), "invalid auth token"):
		return fmt.Errorf("%w (check store.etcd.username and %s)", err, config.EtcdPasswordEnv)
	case strings.Contains(err.Error(), "permission denied"):
		return fmt.Errorf("%w (the etcd user needs read and write on store.etcd.prefix)", err)
	}
	return err
}

// newEtcdClient builds the etcd client of store.etcd: the endpoints, TLS from its files, the
// user with the password from PARTNERBOT_ETCD_PASSWORD, and the client's own logs at warning
// level and above in the bot's log. Connecting is lazy: the first call shows whether etcd answers.
func newEtcdClient(cfg *config.Config, log *slog.Logger) (*clientv3.Client, error) {
	e := cfg.Store.Etcd
	c := clientv3.Config{
		Endpoints:            e.Endpoints,
		DialTimeout:          e.DialTimeout,
		DialKeepAliveTime:    10 * time.Second,
		DialKeepAliveTimeout: 5 * time.Second,
		Username:             e.Username,
		Password:             os.Getenv(config.EtcdPasswordEnv),
		RejectOldCluster:     true,
		Logger:               zap.New(slogCore{log: log.With("component", "etcd"), level: zapcore.WarnLevel}),
	}
	tlsConf, err := etcdTLS(cfg)
	if err != nil {
		return nil, err
	}
	c.TLS = tlsConf
	// With RejectOldCluster, New asks an endpoint for its version, within DialTimeout.
	return clientv3.New(c)
}

// etcdTLS is the TLS configuration of store.etcd.tls, or nil when the endpoints are http:// and
// no file is named. An https:// endpoint with no CA file trusts the system's pool.
func etcdTLS(cfg *config.Config) (*tls.Config, error) {
	t := cfg.Store.Etcd.TLS
	secure := t.CAFile != "" || t.CertFile != ""
	for _, ep := range cfg.Store.Etcd.Endpoints {
		secure = secure || strings.HasPrefix(ep, "https://")
	}
	if !secure {
		return nil, nil
	}
	out := &tls.Config{MinVersion: tls.VersionTLS12}
	if t.CAFile != "" {
		pem, err := os.ReadFile(cfg.EtcdFile(t.CAFile))
		if err != nil {
			return nil, fmt.Errorf("store.etcd.tls.ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("store.etcd.tls.ca_file: %s holds no PEM certificate", cfg.EtcdFile(t.CAFile))
		}
		out.RootCAs = pool
	}
	if t.CertFile != "" {
		pair, err := tls.LoadX509KeyPair(cfg.EtcdFile(t.CertFile), cfg.EtcdFile(t.KeyFile))
		if err != nil {
			return nil, fmt.Errorf("store.etcd.tls: client certificate: %w", err)
		}
		out.Certificates = []tls.Certificate{pair}
	}
	return out, nil
}

// slogCore is a zap core that writes the etcd client's logs to the bot's slog logger, from
// level on: the client logs its retries and reconnections at info, which the bot's own
// warnings already cover.
type slogCore struct {
	log    *slog.Logger
	level  zapcore.Level
	fields []zapcore.Field
}

func (c slogCore) Enabled(l zapcore.Level) bool { return l >= c.level }

func (c slogCore) With(fields []zapcore.Field) zapcore.Core {
	c.fields = append(append([]zapcore.Field(nil), c.fields...), fields...)
	return c
}

func (c slogCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(e.Level) {
		return ce.AddCore(e, c)
	}
	return ce
}

func (c slogCore) Write(e zapcore.Entry, fields []zapcore.Field) error {
	enc := zapcore.NewMapObjectEncoder()
	for _, f := range append(append([]zapcore.Field(nil), c.fields...), fields...) {
		f.AddTo(enc)
	}
	attrs := make([]any, 0, 2*len(enc.Fields))
	for k, v := range enc.Fields {
		attrs = append(attrs, k, v)
	}
	level := slog.LevelWarn
	if e.Level >= zapcore.ErrorLevel {
		level = slog.LevelError
	}
	c.log.Log(context.Background(), level, e.Message, attrs...)
	return nil
}

func (c slogCore) Sync() error { return nil }
