# One image per service: docker build --build-arg APP=gateway .
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY apps/ apps/
COPY libs/ libs/
RUN npm ci --no-audit --no-fund

FROM node:20-bookworm-slim
ARG APP
ENV NODE_ENV=production APP=${APP} SWC_NODE_PROJECT=/app/tsconfig.json
WORKDIR /app
COPY --from=deps /app/node_modules node_modules
COPY package.json tsconfig.json tsconfig.base.json .swcrc ./
COPY apps/ apps/
COPY libs/ libs/
USER node
CMD ["sh", "-c", "exec node -r @swc-node/register apps/${APP}/src/main.ts"]
