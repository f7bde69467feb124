# syntax=docker/dockerfile:1
# partnerbot: a static, non-root binary on distroless/static (no shell, no package manager).
#
# Build:  docker build -t partnerbot .
#
# Run as a service (the chat adapters the configuration enables; no terminal needed):
#   docker run -d --name partnerbot --stop-timeout 30 \
#     -e HUAWEICLOUD_SDK_AK -e HUAWEICLOUD_SDK_SK -e SLACK_BOT_TOKEN -e SLACK_APP_TOKEN \
#     -v $PWD/config.yaml:/etc/partnerbot/config.yaml:ro -v partnerbot-data:/data \
#     -p 127.0.0.1:8079:8079 partnerbot
# Try it on the built-in sandbox with the bundled example (console chat, no credentials):
#   docker run -it partnerbot -config /etc/partnerbot/config.example.yaml
#
# Volumes
#   /data                          the state: the bbolt store (requests, audit log, outbox,
#                                  subscriptions). Owned by the nonroot user (65532). In a
#                                  mounted config set store.path to /data/partnerbot.db
#                                  (store.path is relative to the config file's directory).
#   /etc/partnerbot/config.yaml    the configuration, mounted read-only (the default CMD).
# Environment (secrets come only from here, never from the file; none is logged)
#   HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK       the partner's key pair (bss.sandbox: false)
#   SLACK_BOT_TOKEN, SLACK_APP_TOKEN, SLACK_SIGNING_SECRET           Slack
#   TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET                      Telegram
#   WECOM_CORP_SECRET, WECOM_CALLBACK_TOKEN, WECOM_ENCODING_AES_KEY, WECOM_ROBOT_KEY_<NAME>   WeCom
# Ports (all set in the configuration; none is open unless configured)
#   8079   admin.listen: /healthz, /readyz, /metrics. The default 127.0.0.1:8079 is reachable
#          only inside the container (enough for the HEALTHCHECK); set admin.listen: ":8079"
#          and publish it for a Prometheus outside.
#   8081   slack.listen (slack.mode: http), 8443 telegram.webhook.listen (mode: webhook),
#          wecom.callback.listen (e.g. :8088): put TLS in front of them.
# Stopping: docker stop sends SIGTERM; the bot takes no new messages and gives the commands
# in flight bot.shutdown_timeout (20s) to finish, so --stop-timeout (or compose's
# stop_grace_period) should exceed it. A second signal exits at once.

# The Go release go.mod's go line asks for (go 1.26.8), pinned so a rebuild is the same build.
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
# Module downloads first, so that source edits do not refetch them.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The context has no .git (.dockerignore), so the build records no VCS revision: the version
# comes from the build argument (partnerbot version, the start log, /readyz), e.g.
#   docker build --build-arg VERSION=$(git describe --tags --always --dirty) -t partnerbot .
ARG VERSION=dev
RUN CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /out/partnerbot . \
 && mkdir -p /out/data \
 && sed 's#^  path: partnerbot.db#  path: /data/partnerbot.db#' config.example.yaml > /out/config.example.yaml \
 && grep -q '^  path: /data/partnerbot.db' /out/config.example.yaml

# distroless/static has CA certificates (https to BSS and the chat platforms); the zone
# database is embedded in the binary (time/tzdata), so Asia/Shanghai works without one.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/partnerbot /usr/local/bin/partnerbot
# The example, with its store in /data (the image's copy of the repository's example).
COPY --from=build /out/config.example.yaml /etc/partnerbot/config.example.yaml
# The state directories belong to the nonroot user (65532) so bbolt can create its file there:
# /data (the example's), and /var/lib/partnerbot (deploy/config.production.yaml's, as under
# systemd). A named volume mounted on either starts owned by 65532; a host directory must be
# made so: chown 65532:65532 DIR (README "Deploying").
COPY --from=build --chown=65532:65532 /out/data /data
COPY --from=build --chown=65532:65532 /out/data /var/lib/partnerbot
VOLUME ["/data"]
WORKDIR /data
USER nonroot:nonroot
EXPOSE 8079
# The image has no shell or curl: the binary asks its own /healthz (exit 0 healthy, 1 not).
# It asks 127.0.0.1:8079, the default admin.listen; with another admin.listen, override it:
#   --health-cmd '["/usr/local/bin/partnerbot", "healthcheck", "-addr", "127.0.0.1:9191"]'
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/usr/local/bin/partnerbot", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/partnerbot"]
CMD ["-config", "/etc/partnerbot/config.yaml"]
