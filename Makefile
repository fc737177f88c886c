# Release builds of authgate: static binaries for linux, darwin and windows
# on amd64 and arm64, reproducible (-trimpath, no cgo, every timestamp the
# commit's), with the version stamped in (authgate version prints it with
# the commit and OPA version), archived with an SBOM each, a checksums file
# and an OCI image FROM scratch.
#
#   make release VERSION=v1.2.0   # dist/: archives, SBOMs, OCI image, SHA256SUMS
#   make release-check            # what CI checks of a release build
#   make build                    # ./authgate for this machine
#   make test                     # what CI runs: .ci/run
#   make fuzz FUZZTIME=10m        # each fuzz target in turn

VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
PLATFORMS := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64
LDFLAGS   := -s -w -X main.version=$(VERSION)
# Every file of a release carries the commit's time: equal sources give
# byte-equal releases.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
FUZZTIME  ?= 30s
GO        ?= go

export SOURCE_DATE_EPOCH

.PHONY: build release release-bins release-check clean test fuzz

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o authgate ./cmd/authgate

# The six builds run in parallel and share Go's build cache.
release-bins: clean
	@mkdir -p dist/bin
	@set -e; pids=""; for p in $(PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; ext=; [ $$os = windows ] && ext=.exe; \
		out=dist/bin/$${os}_$${arch}/authgate$$ext; \
		echo "build $$out"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -buildvcs=auto -ldflags "$(LDFLAGS)" -o $$out ./cmd/authgate & \
		pids="$$pids $$!"; \
	done; \
	for pid in $$pids; do wait $$pid; done

release: release-bins
	$(GO) run ./internal/release -version $(VERSION) -dist dist

# Checks a release build: every archive and SBOM there with a checksum that
# matches, and the linux/amd64 binary reports the version.
release-check:
	@set -e; cd dist; \
	for p in $(PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; ext=tar.gz; [ $$os = windows ] && ext=zip; \
		for f in authgate_$(VERSION)_$${os}_$${arch}.$$ext authgate_$(VERSION)_$${os}_$${arch}.cdx.json; do \
			[ -s $$f ] || { echo "release-check: missing $$f"; exit 1; }; \
			grep -q "  $$f\$$" SHA256SUMS || { echo "release-check: $$f not in SHA256SUMS"; exit 1; }; \
		done; \
	done; \
	[ -s authgate_$(VERSION)_oci.tar ] || { echo "release-check: missing the OCI image"; exit 1; }; \
	sha256sum --quiet -c SHA256SUMS; \
	./bin/linux_amd64/authgate version | grep -qx "authgate $(VERSION)" || { echo "release-check: the linux/amd64 binary does not report $(VERSION)"; exit 1; }; \
	echo "release-check: $$(wc -l < SHA256SUMS) files, checksums match, authgate $(VERSION)"

clean:
	rm -rf dist

test:
	.ci/run

fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzScan$$' -fuzztime $(FUZZTIME) ./snapshot
	$(GO) test -run '^$$' -fuzz '^FuzzWaivers$$' -fuzztime $(FUZZTIME) ./waivers
	$(GO) test -run '^$$' -fuzz '^FuzzConfig$$' -fuzztime $(FUZZTIME) ./gate
	$(GO) test -run '^$$' -fuzz '^FuzzSet$$' -fuzztime $(FUZZTIME) ./gate
