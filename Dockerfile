# One image recipe for every service: docker build --build-arg SERVICE=products -t products .
# (build context: the repository root). It downloads nothing but the npm packages of
# package-lock.json, and works with BuildKit and with the classic builder (DOCKER_BUILDKIT=0): no
# `# syntax=` line, no RUN --mount, no ADD <url>, no COPY --chmod.
#
# The base images are arguments so that a machine without a registry can build on stand-ins of
# its own (.ci/docker-standins.sh); the defaults are the real ones.
ARG NODE_BUILD_IMAGE=node:24.21.0-bookworm-slim
ARG NODE_RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian13:nonroot

FROM ${NODE_BUILD_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
COPY services/shared/package.json services/shared/
COPY services/customer/package.json services/customer/
COPY services/products/package.json services/products/
COPY services/shopping/package.json services/shopping/
# Before ARG SERVICE, so that the three services' builds share this layer.
RUN npm ci --ignore-scripts --no-audit --no-fund --no-update-notifier
# The CA bundle DocumentDB's TLS certificates chain to, from the repository, checked against the
# SHA-256 recorded beside it (docs/CONTAINERS.md says where it comes from and how to renew it).
COPY certs/rds-global-bundle.pem certs/rds-global-bundle.pem.sha256 certs/
RUN cd certs && sha256sum --check --strict rds-global-bundle.pem.sha256 && chmod 444 rds-global-bundle.pem
COPY scripts/build.ts scripts/
COPY scripts/shims scripts/shims
COPY services/shared/src services/shared/src
ARG SERVICE
RUN test -n "${SERVICE}" || { echo 'build with --build-arg SERVICE=<customer|products|shopping>' >&2; exit 1; }
COPY services/${SERVICE}/src services/${SERVICE}/src
RUN node scripts/build.ts "${SERVICE}"

# No shell, no npm, runs as uid 65532; nothing is written to the root filesystem (ECS runs it
# read-only), so /app is the bundle, its source map, the health check and the CA bundle.
FROM ${NODE_RUNTIME_IMAGE}
ARG SERVICE
WORKDIR /app
COPY --from=build --chown=0:0 /src/services/${SERVICE}/dist/ /app/
COPY --from=build --chown=0:0 /src/certs/rds-global-bundle.pem /app/global-bundle.pem
ENV NODE_ENV=production PORT=8080 SERVICE_NAME=${SERVICE}
USER 65532:65532
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 CMD ["/nodejs/bin/node", "/app/healthcheck.mjs"]
# The image's entrypoint is /nodejs/bin/node. Source-mapped stack traces cost ~30 MB of memory and
# ~80 ms of start-up: switch them on with NODE_OPTIONS=--enable-source-maps when needed.
CMD ["/app/main.mjs"]
