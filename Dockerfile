# One image for every clearsim process: the HTTP API (`serve`), the BullMQ workers
# (workers/clearsim-worker.js) and one-shot CLI runs (docker-compose.yml).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY scenarios ./scenarios
COPY workers ./workers
# the build compiles the scenario schema (scripts/) and bundles the web app (web/)
COPY scripts ./scripts
COPY web ./web
# npm ci builds dist/ through the `prepare` script (tsc, a dev dependency), then dev deps go.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund && npm cache clean --force
# 3000: the API (`serve --port 3000`); 9464: a worker's /metrics (`--metrics-port 9464`)
EXPOSE 3000 9464
ENTRYPOINT ["node", "bin/clearsim.js"]
CMD ["run", "scenarios/chongqing-2023.yaml"]
