#!/usr/bin/env bash
# Installs what Kontor's build and tests need on a Debian machine, skipping
# whatever is already there. Safe to run again.
#
#   scripts/install-deps.sh run    what `make run` needs (Go, Node.js and npm)
#   scripts/install-deps.sh test   also slapd, PostgreSQL, Chromium, MinIO, nats-server
set -euo pipefail

what=${1:-test}
tools_bin=${KONTOR_TOOLS_BIN:-$HOME/.cache/kontor-tools/bin}
missing=()

need_pkg() { # need_pkg PACKAGE CHECK-COMMAND...
  local pkg=$1; shift
  if ! "$@" >/dev/null 2>&1; then missing+=("$pkg"); fi
}

have_go() { command -v go >/dev/null 2>&1 || [ -x /usr/local/go/bin/go ]; }
if ! have_go; then
  echo "install-deps: Go 1.26 or newer is required (https://go.dev/doc/install); Debian's golang package is too old." >&2
  exit 1
fi
command -v go >/dev/null 2>&1 || export PATH=/usr/local/go/bin:$PATH

need_pkg nodejs command -v node
need_pkg npm command -v npm
if [ "$what" = test ]; then
  need_pkg slapd test -x /usr/sbin/slapd
  need_pkg ldap-utils command -v ldapsearch
  need_pkg postgresql sh -c 'ls /usr/lib/postgresql/*/bin/initdb'
  need_pkg chromium sh -c 'command -v chromium || test -x /usr/bin/chromium'
  need_pkg fonts-noto-cjk test -d /usr/share/fonts/opentype/noto
  # Emoji in reactions and the picker (and in the screenshots).
  need_pkg fonts-noto-color-emoji test -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf
  # A real CalDAV client for the calendar's tests (Debian's python3, not whatever is on PATH).
  need_pkg python3-caldav /usr/bin/python3 -c 'import caldav'
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ "$what" = test ]; then
  mkdir -p "$tools_bin"
  # Servers built from source with the Go toolchain, once, into a cache
  # that survives between runs on the same machine.
  if [ ! -x "$tools_bin/minio" ]; then
    echo "install-deps: building MinIO (a few minutes the first time)" >&2
    GOFLAGS=-mod=mod GOBIN="$tools_bin" go install github.com/minio/minio@latest
  fi
  if [ ! -x "$tools_bin/nats-server" ]; then
    echo "install-deps: building nats-server" >&2
    GOFLAGS=-mod=mod GOBIN="$tools_bin" go install github.com/nats-io/nats-server/v2@v2.15.2
  fi
fi
