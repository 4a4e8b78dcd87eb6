# One image for every stage; the command picks the stage (valbench produce|respond|judge|aggregate).
# Node 24 runs the TypeScript sources directly (type stripping): there is no build step.
FROM node:24-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY schemas ./schemas
COPY lib ./lib
COPY services ./services
COPY cli ./cli
COPY deploy ./deploy
USER node
# The V8 heap flags: see bin/valbench (a bounded young and old generation keep each stage small).
ENTRYPOINT ["node", "--max-semi-space-size=8", "--max-old-space-size=1024", "cli/main.ts"]
