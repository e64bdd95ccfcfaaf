# kjob's image for the API and the workers (docker-compose.yml). Pods run as processes inside the
# worker container, so add here the tools your Jobs' commands need.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json worker.ts ./
COPY src ./src
ENV NODE_ENV=production KJOB_DATA_DIR=/data
VOLUME ["/data"]
CMD ["npm", "run", "worker"]
