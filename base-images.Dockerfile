# The base images of ./Dockerfile, one FROM line each, for Dependabot only: it cannot read images
# given as ARG defaults (dependabot-core#2057), which the Dockerfile needs so that stand-ins can
# replace them where no registry answers. Nothing builds this file. test/compose.test.ts fails
# until the Dockerfile's ARG defaults name the same images, so a Dependabot pull request that bumps
# a line here also says which line of the Dockerfile to change with it.
FROM node:24.21.0-bookworm-slim AS NODE_BUILD_IMAGE
FROM gcr.io/distroless/nodejs24-debian13:nonroot AS NODE_RUNTIME_IMAGE
