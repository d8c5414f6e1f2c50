# Image for the api and worker services of docker-compose.yml.
FROM node:24-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
# Fixes to dependencies, applied by the postinstall step of npm ci.
COPY patches ./patches
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
USER node
