# tv-harvester image: `docker compose up` runs it as `serve` (scheduled harvests, /metrics, /healthz on
# 9464); `docker compose run --rm harvester harvest` runs one harvest and pushes its metrics to the
# Pushgateway. Migrations are applied by the harvester itself at every harvest and serve start.

# --- build: all dependencies, generated Prisma client, then production dependencies only -----------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Install scripts stay off (as package.json's allowScripts keeps them off locally); the Prisma client is
# generated explicitly below, offline.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY prisma ./prisma
COPY prisma.config.ts tsconfig.json ./
COPY scripts ./scripts
RUN node scripts/prisma-generate.mjs
COPY bin ./bin
COPY src ./src
RUN npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# --- runtime ---------------------------------------------------------------------------------------------
FROM node:20-bookworm-slim
# Chromium for the ratings sites' browser fallback (pages that render their scores with JavaScript).
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium ca-certificates \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH=/usr/bin/chromium \
    METRICS_PORT=9464
WORKDIR /app
COPY --from=build --chown=node:node /app /app
USER node
EXPOSE 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9464/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/tv-harvester.js"]
CMD ["serve"]
