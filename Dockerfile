# syntax=docker/dockerfile:1
# One image per service: docker build --build-arg APP=gateway -t switchyard/gateway .
# APP is one of gateway, router, billing, ledger, chain-watcher.
#
# build    : all dependencies, compiles apps/ and libs/ to plain CommonJS in dist/ (scripts/build-dist.js rewrites
#            @switchyard/* imports to relative paths) and, for the gateway, builds the web dashboard.
# prod-deps: production dependencies only (npm ci --omit=dev); no TypeScript, swc or test tooling.
# runtime  : node + prod node_modules + dist, as the unprivileged `node` user (uid 1000).
# libs/testing/src/lib/dist-build.int-spec.ts runs the same build outside Docker and boots the compiled gateway.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY apps/ apps/
COPY libs/ libs/
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY .swcrc tsconfig.base.json tsconfig.json ./
COPY scripts/build-dist.js scripts/
ARG APP
# The dashboard is served by the gateway only; build it before compiling so build-dist copies it into dist/.
RUN if [ "$APP" = "gateway" ]; then npx vite build apps/dashboard --logLevel warn; fi
RUN node scripts/build-dist.js dist

FROM node:20-bookworm-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# npm ci needs the workspaces' package.json files; their sources are not used from this stage.
COPY apps/ apps/
COPY libs/ libs/
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund \
  # Workspace symlinks would dangle in the runtime image (dist/ is self-contained).
  && rm -rf node_modules/@switchyard \
  # --enable-source-maps (below) reads and keeps the source map of every module it loads: +15 MB of heap in the gateway,
  # 9.3 of its 10.7 MB of maps from dependencies (typeorm alone 6 MB) whose frames are readable JS anyway. Our own
  # dist/ maps stay. bench/README.md "Memory and soak".
  && find node_modules -name '*.map' -type f -delete

FROM node:20-bookworm-slim AS runtime
ARG APP
ENV NODE_ENV=production APP=${APP} NODE_OPTIONS=--enable-source-maps
WORKDIR /app
COPY --from=prod-deps --chown=root:root /app/node_modules node_modules
COPY --from=build --chown=root:root /app/dist dist
COPY --chown=root:root package.json ./
# Files stay root-owned and read-only to the service; the Kubernetes manifests also mount the root read-only.
USER node
# sh only expands APP; `exec` replaces it with node, so node is PID 1 and receives the kubelet's SIGTERM itself.
CMD ["sh", "-c", "exec node dist/apps/${APP}/src/main.js"]
