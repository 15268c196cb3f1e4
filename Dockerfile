# One image for every clearsim process (CLI runs, and later the API server and BullMQ workers).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY scenarios ./scenarios
COPY workers ./workers
RUN npm ci --no-audit --no-fund && npm prune --omit=dev
ENTRYPOINT ["node", "bin/clearsim.js"]
CMD ["run", "scenarios/chongqing-2023.yaml"]
