# syntax=docker/dockerfile:1
# Multi-stage build: compile in the full Rust image, run in a small Debian image.
#   docker build -t butterfly .
#   docker run -p 8080:8080 -v butterfly-data:/data butterfly

FROM rust:1-bookworm AS builder
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The cache mounts keep downloaded crates and compiled dependencies between builds, so a change
# to the sources recompiles only this crate. The binary is copied out of the cached target folder.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked \
    && install -m 0755 target/release/butterfly /usr/local/bin/butterfly
# A lean binary (43 MB): its line tables (150 MB) move to butterfly.debug, which
# `docker build --target debug-symbols --output type=local,dest=. .` exports. Put it beside the
# binary for backtraces with file and line; without it they name the functions.
RUN objcopy --only-keep-debug /usr/local/bin/butterfly /usr/local/lib/butterfly.debug \
    && objcopy --strip-debug --add-gnu-debuglink=/usr/local/lib/butterfly.debug \
        /usr/local/bin/butterfly

FROM scratch AS debug-symbols
COPY --from=builder /usr/local/lib/butterfly.debug /

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 ca-certificates libssl3 \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system butterfly \
    && useradd --system --gid butterfly --home-dir /data --shell /usr/sbin/nologin butterfly \
    && mkdir -p /data \
    && chown butterfly:butterfly /data
COPY --from=builder /usr/local/bin/butterfly /usr/local/bin/butterfly
USER butterfly
WORKDIR /data
VOLUME /data
ENV BUTTERFLY_BIND=0.0.0.0:8080 \
    BUTTERFLY_DATA_DIR=/data
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/butterfly"]
CMD ["serve"]
