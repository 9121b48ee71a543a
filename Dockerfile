# The newsarchive web app (and CLI). Build: docker compose build
FROM node:20-slim AS web
WORKDIR /web
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
# Where a CPU-only torch can come from (e.g. PyTorch's CPU index) to keep the
# image small; left empty, torch comes from PyPI with the rest.
ARG TORCH_INDEX_URL=""

WORKDIR /app
COPY pyproject.toml README.md ./
COPY archive ./archive
COPY indexer ./indexer
COPY newsarchive ./newsarchive
COPY templates ./templates
COPY --from=web /web/node_modules/htmx.org/dist/htmx.min.js ./archive/web/static/htmx.min.js
COPY samples ./samples
RUN if [ -n "$TORCH_INDEX_URL" ]; then pip install --no-cache-dir torch --index-url "$TORCH_INDEX_URL"; fi \
 && pip install --no-cache-dir .

RUN useradd --create-home archive
USER archive
EXPOSE 5000
HEALTHCHECK --interval=15s --timeout=5s --retries=5 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5000/api/search?size=1', timeout=4)"
# The CLI's own production server (waitress). 0.0.0.0 inside the container
# only: docker-compose.yml publishes the port on the host's loopback, so
# serve's warning about other machines applies to whoever changes that.
# Threads rather than workers: each worker loads its own copy of the model.
CMD ["newsarchive", "serve", "--host", "0.0.0.0", "--port", "5000", "--threads", "8"]
