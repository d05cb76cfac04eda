# tv-harvester image, on the current Node.js LTS (24), running the compiled JavaScript of `npm run build`.
# `docker compose up` runs it as `serve` (scheduled harvests, /metrics, /healthz on 9464);
# `docker compose run --rm harvester harvest` runs one harvest and pushes its metrics to the Pushgateway.
# Migrations are applied by the harvester itself (dist/db/migrate.js reads /app/prisma/migrations).
#
# The build stage runs the same commands as CI (.ci/run): `npm ci --no-audit --no-fund` with install scripts
# on, then `npm run build`; test/ops/dockerfile.test.ts keeps the two in step.

# --- build: all dependencies (postinstall generates the Prisma client), compile, keep production deps -----
FROM node:24-bookworm-slim AS build
WORKDIR /app
# postinstall (`node scripts/prisma-generate.mjs`) reads the schema and prisma.config.ts: both come first.
COPY package.json package-lock.json ./
COPY prisma ./prisma
COPY prisma.config.ts ./
COPY scripts ./scripts
RUN npm ci --no-audit --no-fund
COPY tsconfig*.json ./
COPY src ./src
# tsc -p tsconfig.build.json: src/ (with the generated client in src/generated) → dist/
RUN npm run build
RUN npm prune --omit=dev --no-audit --no-fund
# `npm prune --omit=dev` keeps the packages npm flags devOptional: dev dependencies that a production package
# also names as an optional peer (@prisma/client → prisma, typescript; ~200 MB with what they pull in). Drop
# them, then let `npm ls` prove every required production dependency is still there.
RUN node -e ' \
      const fs = require("node:fs"); \
      const { packages } = JSON.parse(fs.readFileSync("node_modules/.package-lock.json", "utf8")); \
      for (const [dir, meta] of Object.entries(packages)) if (meta.devOptional) fs.rmSync(dir, { recursive: true, force: true }); \
      fs.rmSync("node_modules/.package-lock.json"); \
      for (const bin of fs.readdirSync("node_modules/.bin")) if (!fs.existsSync(`node_modules/.bin/${bin}`)) fs.rmSync(`node_modules/.bin/${bin}`);' \
 && npm ls --omit=dev --all >/dev/null \
 && test ! -e node_modules/typescript && test ! -e node_modules/prisma && test ! -e node_modules/tsx

# --- runtime: Node, Chromium, production dependencies and the compiled code; no tsx, no TypeScript ---------
FROM node:24-bookworm-slim
# Chromium for the ratings sites' browser fallback (pages that render their scores with JavaScript).
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium ca-certificates \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH=/usr/bin/chromium \
    METRICS_PORT=9464
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./package.json
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/prisma/migrations ./prisma/migrations
USER node
EXPOSE 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9464/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "dist/main.js"]
CMD ["serve"]
