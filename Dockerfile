# The redtail image: the CLI (collector, relay, proxy) and build/filter.wasm.
#   docker build -t registry.example.com/redtail/redtail:0.1.0 .
# envoy-config/k8s/ runs it as `redtail serve` (StatefulSet) and `redtail relay` (DaemonSet).
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 falls back to compiling from source where no prebuilt binary fits.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts && npm rebuild better-sqlite3
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/bin bin
COPY --from=build /app/dist dist
COPY --from=build /app/collector/web collector/web
# The filter, and the collector's own modules (collector/wasm/: it cannot start without them).
COPY --from=build /app/build/filter.wasm /app/build/reader.wasm /app/build/words.wasm /app/build/find.wasm build/
USER node
EXPOSE 9900 9901
ENTRYPOINT ["node", "/app/bin/redtail.js"]
CMD ["--help"]
