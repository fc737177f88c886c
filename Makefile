# Release builds of authgate: static binaries for linux, darwin and windows
# on amd64 and arm64, reproducible (-trimpath, no cgo), with the version
# stamped in (authgate version prints it with the commit and OPA version).
#
#   make release VERSION=v1.2.0   # dist/authgate_v1.2.0_<os>_<arch>[.exe] and SHA256SUMS
#   make build                    # ./authgate for this machine
#   make test                     # what CI runs: .ci/run
#   make fuzz FUZZTIME=10m        # each fuzz target in turn

VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
PLATFORMS := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64
LDFLAGS   := -s -w -X main.version=$(VERSION)
FUZZTIME  ?= 30s
GO        ?= go

.PHONY: build release clean test fuzz

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o authgate ./cmd/authgate

release: clean
	@mkdir -p dist
	@set -e; for p in $(PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; ext=; [ $$os = windows ] && ext=.exe; \
		out=dist/authgate_$(VERSION)_$${os}_$${arch}$$ext; \
		echo "build $$out"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $$out ./cmd/authgate; \
	done
	cd dist && sha256sum authgate_* > SHA256SUMS

clean:
	rm -rf dist

test:
	.ci/run

fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzScan$$' -fuzztime $(FUZZTIME) ./snapshot
	$(GO) test -run '^$$' -fuzz '^FuzzWaivers$$' -fuzztime $(FUZZTIME) ./waivers
	$(GO) test -run '^$$' -fuzz '^FuzzConfig$$' -fuzztime $(FUZZTIME) ./gate
	$(GO) test -run '^$$' -fuzz '^FuzzSet$$' -fuzztime $(FUZZTIME) ./gate
