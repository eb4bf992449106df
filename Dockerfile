# One image for the backend and the workers (docker-compose.yml uses it for both):
#   docker build -t trainboard .
#   docker run --rm -p 127.0.0.1:8000:8000 trainboard                     # dashboard + one local worker
#   docker run --rm --gpus 1 trainboard worker --server http://HOST:8000  # a GPU worker for a remote backend
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# torch first, in a layer of its own: it is most of the image and changes least often. The default PyPI
# wheels for Linux bundle the CUDA runtime, so the host needs only the NVIDIA driver and container toolkit;
# the same image runs on the CPU.
RUN pip install "torch>=2.4" "torchvision>=0.19"

# The project itself (non-editable, the dashboard's files inside it as package data), with the PostgreSQL
# driver; the source copy is removed afterwards.
COPY pyproject.toml README.md /tmp/src/
COPY backend /tmp/src/backend
COPY worker /tmp/src/worker
COPY frontend /tmp/src/frontend
RUN pip install "/tmp/src[postgres,gpu]" && rm -rf /tmp/src

# State (database + artifacts) and datasets live on volumes, owned by an unprivileged user.
RUN useradd --create-home --uid 10001 --user-group trainboard \
    && mkdir -p /var/lib/trainboard /data \
    && chown trainboard:trainboard /var/lib/trainboard /data
ENV TRAINBOARD_DB=/var/lib/trainboard/trainboard.db \
    TRAINBOARD_ARTIFACT_DIR=/var/lib/trainboard/artifacts \
    TRAINBOARD_DATA_DIR=/data
VOLUME ["/var/lib/trainboard", "/data"]

USER trainboard
WORKDIR /home/trainboard
EXPOSE 8000
ENTRYPOINT ["trainboard"]
# Inside a container the server must listen on all interfaces; what is reachable from outside is decided
# by the published ports (docker-compose.yml publishes on 127.0.0.1 only).
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
