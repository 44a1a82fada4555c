#!/usr/bin/env bash
# Benchmark of GET /api/v1/export and its 304 path against an Echo
# hello-world handler and nginx serving the same bytes, on loopback only.
# Installs wrk and nginx-light from Debian when they are missing (as root).
# Not part of "make test". Extra arguments go to the program, e.g.
#   bench/api/run.sh -duration 5s -connections 16
set -euo pipefail
cd "$(dirname "$0")/../.."
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || need+=(nginx-light)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then echo "please install: ${need[*]}" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # A policy-rc.d keeps the package from starting a system nginx on port 80
  # (only ours, if the machine has none).
  made_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1
  fi
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  if [ -n "$made_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi
fi
go run ./bench/api "$@"
