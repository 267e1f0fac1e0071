# syntax=docker/dockerfile:1
# The image of the Helm chart's two pods and of deploy/compose.yaml: the `dyt-emissions`
# command and its dependencies, run as a non-root user, with nothing to build with.
#
#   docker build -t ghcr.io/dytallix/dyt-emissions:0.1.0 .

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# Stage 1: wheels of the project and of every dependency.
FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY dyt_emissions/ dyt_emissions/
COPY runner/ runner/
COPY exporter/ exporter/
COPY devnode/ devnode/
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

# Stage 2: the wheels installed into a fresh slim image; pip and its build tools removed.
FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="dyt-emissions" \
      org.opencontainers.image.description="Scheduled uDRT emission claims for a Dytallix node: runner, audit exporter, devnode" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links /wheels dyt-emissions \
 && pip uninstall --yes pip setuptools wheel \
 && groupadd --system --gid 10001 dyt \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin dyt \
 && install -d -o 10001 -g 10001 -m 0750 /var/log/dytallix-emissions \
 && install -d -m 0755 /etc/dyt/emissions
# The logs folder belongs to the user, so a fresh named volume mounted there is writable.
USER 10001:10001
EXPOSE 9817
ENTRYPOINT ["dyt-emissions"]
CMD ["--help"]
