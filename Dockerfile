# airq: the API, the chat page and MCP at /mcp. With a Chroma server: compose.yaml.
#   docker build -t airq .
#   docker run -p 127.0.0.1:8000:8000 -v "$PWD/corpus/files:/corpus" -v airq-data:/data airq
# The corpus and the index live on volumes (/corpus, /data), never in the image.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    ANONYMIZED_TELEMETRY=False \
    AIRQ_DATA_DIR=/data \
    AIRQ_CORPUS_DIR=/corpus \
    AIRQ_ALLOWED_HOSTS=localhost,127.0.0.1
# torch's CPU wheels (the default index would bring CUDA's); the same step CI runs (.ci/run).
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu

WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY core core
COPY corpus corpus
COPY ingest ingest
COPY index index
COPY qa qa
COPY api api
COPY eval eval
COPY docker docker
RUN TORCH_INDEX_URL="$TORCH_INDEX_URL" PYTHON=/usr/local/bin/python bash docker/install.sh /src \
    && rm -rf /src

WORKDIR /app
VOLUME ["/data", "/corpus"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["airq", "serve", "--host", "0.0.0.0", "--port", "8000"]
