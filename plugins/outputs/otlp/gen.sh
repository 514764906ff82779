#!/bin/sh
# SPDX-License-Identifier: MIT
# Regenerates gen/ (checked in) from proto/, the published OTLP profiles .proto files
# (opentelemetry-proto, v1development; see proto/LICENSE) with Debian's protoc-c 1.4.1:
#   plugins/outputs/otlp/gen.sh
set -eu
cd "$(dirname "$0")"
rm -rf gen && mkdir gen
protoc-c --c_out=gen -I proto \
	proto/opentelemetry/proto/common/v1/common.proto \
	proto/opentelemetry/proto/resource/v1/resource.proto \
	proto/opentelemetry/proto/profiles/v1development/profiles.proto \
	proto/opentelemetry/proto/collector/profiles/v1development/profiles_service.proto
