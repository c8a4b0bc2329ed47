# kmod-trace front door. CMake builds the C++ and the BPF skeletons; Kbuild
# builds the sample modules for every cached kernel.
#
#   make            build the tool and the sample modules
#   make demo       setup if needed, build, traced load of kt_hello on 6.12 in QEMU
#   make test       setup if needed, every suite; VM suites on 6.1, 6.12 and sid
#   make setup      install packages and cache the Debian kernels
#   make unit-test  unit tests only (no root, no VM)
#   make vm-test    VM tests only (VM_KERNELS="6.1 6.12 sid"; lifecycle, bench too)
#   make conformance-test  doctor against the real kernels
#   make hermetic-test / lifecycle-test / test-asan
#   make fuzz FUZZ_SECONDS=N   every fuzz target for N seconds
#   make install [PREFIX=/usr/local] [DESTDIR=]   make deb   make test-packaging
#   make trixie-test  build, unit + hermetic tests, .deb in a Debian 13 chroot

BUILD ?= build
PREFIX ?= /usr/local
JOBS ?= $(shell nproc)
KERNELS ?= 6.1 6.12
# the VM, conformance, lifecycle and bench suites also run on the newest
# Debian unstable kernel (7.2 now)
VM_KERNELS ?= $(KERNELS) sid
CMAKE_FLAGS ?=

.PHONY: all build samples setup demo test unit-test vm-test conformance-test hermetic-test lifecycle-test test-asan fuzz install deb test-packaging trixie-test clean help

all: build samples

help:
	@sed -n '2,14p' Makefile | sed 's/^# \{0,1\}//'

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

samples:
	scripts/build-samples --out $(BUILD)/samples

setup:
	scripts/setup

demo: setup
	$(MAKE) all
	scripts/demo

SUITES ?= unit hermetic asan fuzz vm conformance bench lifecycle packaging

test: setup
	$(MAKE) all
	scripts/bench-scan --series 6.1 --fetch-only
	scripts/bench-scan --series 6.12 --fetch-only
	KERNELS="$(KERNELS)" VM_KERNELS="$(VM_KERNELS)" tests/run-all $(SUITES)

unit-test: build
	tests/run-all unit

vm-test: all
	VM_KERNELS="$(VM_KERNELS)" tests/run-all vm

conformance-test: all
	VM_KERNELS="$(VM_KERNELS)" tests/run-all conformance

hermetic-test: all
	tests/run-all hermetic

lifecycle-test: all
	VM_KERNELS="$(VM_KERNELS)" tests/run-all lifecycle

test-asan: setup
	tests/run-all asan

fuzz:
	fuzz/run $(or $(FUZZ_SECONDS),60)

# make install [PREFIX=/usr/local] [DESTDIR=]
install: build
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix "$(PREFIX)"

# The .deb lands in build-deb/ (docs/packaging.md).
deb:
	scripts/build-deb --out build-deb

# Install into a DESTDIR, run it in the VM, man pages, completion, .deb.
test-packaging: all
	tests/run-all packaging

# Newer user space (tests/trixie/run): not part of `make test`, whose time
# budget is spent; the hermetic suite needs the sample modules.
trixie-test: samples
	tests/trixie/run

clean:
	rm -rf $(BUILD) build-asan build-fuzz build-deb
