# Gatehouse container image: a static binary on distroless, running as non-root.
#
#   docker build -t gatehouse .
#   docker run --rm -p 8080:8080 -p 9090:9090 --env-file gatehouse.env gatehouse -metrics-addr=:9090
#
# The image has no shell and no curl, so there is no HEALTHCHECK: Docker's HEALTHCHECK needs a
# program inside the image to run. Orchestrators probe over HTTP instead: GET /healthz
# (liveness) and GET /readyz (readiness) on port 8080; see deploy/kubernetes/.

FROM golang:1.26 AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOTOOLCHAIN=local
# Modules first, so source edits do not re-download them.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The go command stamps the version from the git tag (it reads .git in the build context);
# without .git the build reports itself as "devel" in gatehouse_build_info.
RUN go build -trimpath -ldflags="-s -w" -o /out/gatehouse ./cmd/gatehouse

# distroless/static: CA certificates (for Okta and rediss://), tzdata and /etc/passwd with
# the nonroot user, nothing else.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/gatehouse /gatehouse
USER 65532:65532
# 8080: the portal. 9090: Prometheus /metrics when started with -metrics-addr=:9090.
EXPOSE 8080 9090
ENTRYPOINT ["/gatehouse"]
