# syntax=docker/dockerfile:1
# Build: docker build -t partnerbot .
# Run:   docker run -e HUAWEICLOUD_SDK_AK -e HUAWEICLOUD_SDK_SK \
#          -v $PWD/config.yaml:/etc/partnerbot/config.yaml:ro -v partnerbot-data:/data partnerbot
# The config's store.path should be absolute under /data (e.g. /data/partnerbot.db).

FROM golang:1.26-bookworm AS build
WORKDIR /src
# Module downloads first, so source edits do not refetch them.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -trimpath -ldflags='-s -w' -o /out/partnerbot .

# distroless/static has CA certificates (for https to BSS and the chat platforms) and tzdata is
# embedded in the binary via time/tzdata, so Asia/Shanghai works without an OS zone database.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/partnerbot /usr/local/bin/partnerbot
COPY config.example.yaml /etc/partnerbot/config.example.yaml
VOLUME ["/data"]
WORKDIR /data
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/partnerbot"]
CMD ["-config", "/etc/partnerbot/config.yaml"]
