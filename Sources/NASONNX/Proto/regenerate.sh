#!/usr/bin/env bash
# Regenerates ../Generated/onnx.pb.swift from onnx.proto (taken verbatim from the onnx 1.23.2
# wheel, Apache-2.0). Run only when updating the proto: building protoc-gen-swift takes minutes,
# so the generated file is committed (Docs/ONNX.md).
#   needs: protoc (Debian's protobuf-compiler) and protoc-gen-swift built from
#   apple/swift-protobuf 1.39.0 (swift build -c release --product protoc-gen-swift)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
plugin=${PROTOC_GEN_SWIFT:?set PROTOC_GEN_SWIFT to the protoc-gen-swift binary}
protoc --plugin=protoc-gen-swift="$plugin" --swift_out=../Generated --swift_opt=Visibility=Public -I . onnx.proto
