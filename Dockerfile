# The swarmtune worker image: `docker build -t swarmtune .` (npm ci + tsc inside the build).
# Where the build cannot reach an npm registry, scripts/build-image.sh --offline stages a context that already holds
# the built dist/ and production node_modules, and passes PREBUILT=1 (the swarm e2e test does this).
FROM node:20-bookworm-slim AS build
ARG PREBUILT=0
WORKDIR /app
COPY . .
RUN if [ "$PREBUILT" = 1 ]; then \
      test -f packages/cli/dist/bin.js && test -d node_modules/commander; \
    else \
      npm ci --no-audit --no-fund && npx tsc -b && npm prune --omit=dev --no-audit --no-fund; \
    fi \
 && rm -rf packages/*/test packages/*/tsconfig.json packages/*/dist/.tsbuildinfo

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/packages ./packages
RUN ln -s /app/packages/cli/dist/bin.js /usr/local/bin/swarmtune \
 && chmod +x /app/packages/cli/dist/bin.js \
 && mkdir -p /srv/swarmtune && chown node:node /srv/swarmtune
# Trials run as this user, in this directory of the image (trial logs go to .swarmtune/logs under it).
USER node
WORKDIR /srv/swarmtune
# PID 1 should be an init that forwards signals and reaps trial processes: the stack sets `init: true`
# (docker run --init). The worker handles SIGTERM itself: it interrupts its trials and re-enqueues them.
ENTRYPOINT ["swarmtune"]
CMD ["--help"]
