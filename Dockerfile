# syntax=docker/dockerfile:1
# Build: docker build -t partnerbot .
# Run (the console adapter needs a terminal: -it):
#   docker run -it -e HUAWEICLOUD_SDK_AK -e HUAWEICLOUD_SDK_SK \
#     -v $PWD/config.yaml:/etc/partnerbot/config.yaml:ro -v partnerbot-data:/data partnerbot
# Try it on the built-in sandbox with the bundled example configuration (no credentials):
#   docker run -it partnerbot -config /etc/partnerbot/config.example.yaml
# store.path is relative to the config file's directory: in a mounted config use an absolute
# path under the volume, /data/partnerbot.db.

FROM golang:1.26-bookworm AS build
WORKDIR /src
# Module downloads first, so that source edits do not refetch them.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -trimpath -ldflags='-s -w' -o /out/partnerbot . \
 && mkdir -p /out/data \
 && sed 's#^  path: partnerbot.db#  path: /data/partnerbot.db#' config.example.yaml > /out/config.example.yaml \
 && grep -q '^  path: /data/partnerbot.db' /out/config.example.yaml

# distroless/static has CA certificates (https to BSS and the chat platforms); the zone
# database is embedded in the binary (time/tzdata), so Asia/Shanghai works without one.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/partnerbot /usr/local/bin/partnerbot
# The example, with its store in /data (the image's copy of the repository's example).
COPY --from=build /out/config.example.yaml /etc/partnerbot/config.example.yaml
# The state directory belongs to the nonroot user (65532) so bbolt can create its file there.
COPY --from=build --chown=65532:65532 /out/data /data
VOLUME ["/data"]
WORKDIR /data
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/partnerbot"]
CMD ["-config", "/etc/partnerbot/config.yaml"]
