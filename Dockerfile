# The mcpstack image, for CI systems that have Docker but no Rust toolchain:
#
#   docker build -t mcpstack .
#   docker run --rm -v "$PWD:/work:ro" mcpstack render --check
#
# The binary is static (musl on Alpine), so the image is `scratch` plus that one file: no
# shell, no package manager, a non-root user. It is for `validate` and `render --check` (and
# `render`, `schema`, `--version`); `up` and `check` need Docker and CA certificates, which
# it does not carry.
#
# BINARY_FROM=prebuilt takes a static `mcpstack` binary from the build context instead of
# compiling (`docker build --build-arg BINARY_FROM=prebuilt -f Dockerfile DIR`, with the
# binary at DIR/mcpstack); the test suite builds the image that way.

ARG RUST_IMAGE=rust:1.88-alpine
ARG BINARY_FROM=source

# Compile from the source: Alpine's Rust targets musl and links statically.
FROM ${RUST_IMAGE} AS build-source
# hadolint ignore=DL3018
RUN apk add --no-cache musl-dev
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin mcpstack \
    && cp target/release/mcpstack /mcpstack

# Or take a binary built elsewhere (it must be static).
FROM scratch AS build-prebuilt
COPY mcpstack /mcpstack

# A stage chosen by name, not an image (hadolint takes it for an untagged image).
# hadolint ignore=DL3006
FROM build-${BINARY_FROM} AS binary

FROM scratch
COPY --from=binary /mcpstack /usr/local/bin/mcpstack
# Any non-root user; files mounted from a checkout only need to be readable by others.
USER 65532:65532
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/mcpstack"]
CMD ["render", "--check"]
