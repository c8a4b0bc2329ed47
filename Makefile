# kmod-trace front door. CMake builds the C++ and the BPF skeletons; Kbuild
# builds the sample modules for every cached kernel.
#
#   make            build the tool and the sample modules
#   make demo       setup if needed, build, traced load of kt_hello on 6.12 in QEMU
#   make test       setup if needed, unit tests, then VM tests on 6.1 and 6.12
#   make setup      install packages and cache the Debian kernels
#   make unit-test  unit tests only (no root, no VM)
#   make vm-test    VM tests only (KERNELS="6.1 6.12")
#   make conformance-test  doctor against the real kernels

BUILD ?= build
JOBS ?= $(shell nproc)
KERNELS ?= 6.1 6.12
CMAKE_FLAGS ?=

.PHONY: all build samples setup demo test unit-test vm-test conformance-test clean help

all: build samples

help:
	@sed -n '2,12p' Makefile | sed 's/^# \{0,1\}//'

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

SUITES ?= unit vm conformance bench

test: setup
	$(MAKE) all
	scripts/bench-scan --series 6.1 --fetch-only
	scripts/bench-scan --series 6.12 --fetch-only
	KERNELS="$(KERNELS)" tests/run-all $(SUITES)

unit-test: build
	tests/run-all unit

vm-test: all
	KERNELS="$(KERNELS)" tests/run-all vm

conformance-test: all
	KERNELS="$(KERNELS)" tests/run-all conformance

clean:
	rm -rf $(BUILD)
