# spdash: the dashboard, the ETL and the sample generator in one static binary.
#
#   docker build -t spdash .
#   docker run --rm spdash help
#
# deploy/compose.yaml runs it with a current ClickHouse (docs/DEPLOYMENT.md).
# cmd/spdash's TestDockerfile checks what can be checked without a Docker
# engine: this build command, the final stage's paths, user and health check.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Static: no libc in the final image. -trimpath and no build ids make the
# binary the same wherever it is built.
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -buildid=" -o /out/spdash ./cmd/spdash
# Folders the final image's user owns (a new named volume mounted there
# takes their owner): the users file and session key, and reports.
RUN mkdir -p /out/etc-spdash /out/var-lib-spdash

# distroless/static: no shell, no package manager; CA certificates and
# /etc/passwd with the nonroot user (uid 65532).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/spdash /usr/local/bin/spdash
COPY --from=build --chown=65532:65532 /out/etc-spdash /etc/spdash
COPY --from=build --chown=65532:65532 /out/var-lib-spdash /var/lib/spdash
USER 65532:65532
WORKDIR /home/nonroot
EXPOSE 8080
# No curl in the image: the binary checks its own /healthz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/usr/local/bin/spdash", "healthcheck", "--url", "http://127.0.0.1:8080/healthz"]
ENTRYPOINT ["/usr/local/bin/spdash"]
CMD ["serve", "--addr", ":8080", "--auth", "users", "--users-file", "/etc/spdash/users.json", "--session-key-file", "/etc/spdash/session.key"]
