# SPDX-License-Identifier: GPL-2.0
#
# rshmem, an in-memory filesystem in Rust. See README.md.
#
#   make              build rshmem.ko (against the cached test kernel, built if missing)
#   make KDIR=<dir>   build rshmem.ko against another Rust-enabled 6.12 build tree
#   make run          boot the VM with rshmem mounted: a shell, or a demo with no terminal
#   make check        run the whole test suite in the VM (STRESS=N: race tests N times longer)
#   make fuzz         trinity and the model-checking exerciser, DURATION=seconds (default 600)
#   make bench        rshmem against tmpfs on a kernel without debugging (REPS=, SECS=, CPUS=,
#                     WORKLOADS=), both also with huge=always (HUGE=0 leaves those
#                     out), with instructions per operation counted by a QEMU plugin
#                     (INSN=0 skips them) and the cost-growth figure (GROWTH=0 skips it;
#                     GROWTH_SIZES=, GROWTH_PROCS=)
#   make profile      where one workload's kernel instructions go, tmpfs against rshmem,
#                     counted by a QEMU plugin (WORKLOAD=name, CPUS=n; OPS=, SECS=, TOP=, RUNS=, REP=,
#                     HUGE=1 for both mounted huge=always)
#   make deps         install what is missing (Debian packages, bindgen, kernel source)
#   make kernel       build (or find in the cache) the test kernel
#   make lint         rustfmt and clippy, with the kernel's Rust flags
#
# The kernel build files in the kbuild sense are in Kbuild; this file only drives.

SHELL := /bin/bash
export RSHMEM_CACHE ?= $(HOME)/.cache/rshmem
QEMU := $(CURDIR)/qemu
TOOLS = . $(QEMU)/toolchain.sh &&

.PHONY: all module deps kernel run check fuzz bench profile lint fmt clean

all: module

deps:
	@$(QEMU)/deps.sh

kernel: deps
	@$(QEMU)/kernel.sh build test

ifeq ($(KDIR),)
module: kernel
	@$(MAKE) --no-print-directory module KDIR="$$($(QEMU)/kernel.sh dir test)"
lint: kernel
	@$(MAKE) --no-print-directory lint KDIR="$$($(QEMU)/kernel.sh dir test)"
else
module:
	@$(TOOLS) $(MAKE) -C "$(KDIR)" M="$(CURDIR)" "$${KMAKE_TOOLS[@]}" modules
lint:
	@$(TOOLS) /usr/bin/rustfmt --check --edition 2021 \
		--config-path "$$(kernel_src)/.rustfmt.toml" src/rshmem_main.rs
	@$(TOOLS) $(MAKE) -C "$(KDIR)" M="$(CURDIR)" "$${KMAKE_TOOLS[@]}" CLIPPY=1 \
		KRUSTFLAGS=-Dwarnings modules
	@echo "lint: rustfmt and clippy clean"
endif

fmt:
	@$(TOOLS) /usr/bin/rustfmt --edition 2021 \
		--config-path "$$(kernel_src)/.rustfmt.toml" src/rshmem_main.rs

run: module
	@$(QEMU)/run.sh

check: module
	@STRESS=$(STRESS) $(CURDIR)/tests/drivers/check.sh

fuzz: module
	@DURATION=$(DURATION) $(CURDIR)/tests/drivers/fuzz.sh

# The bench kernel and its own build of rshmem.ko; the test kernel is not needed.
bench: deps
	@REPS=$(REPS) SECS=$(SECS) CPUS="$(CPUS)" WORKLOADS="$(WORKLOADS)" INSN=$(INSN) GROWTH=$(GROWTH) HUGE=$(HUGE) \
		GROWTH_SIZES="$(GROWTH_SIZES)" GROWTH_PROCS="$(GROWTH_PROCS)" $(CURDIR)/tests/drivers/bench.sh

# One workload under the instruction-counting plugin (qemu/plugin.sh), on the bench kernel.
profile: deps
	@WORKLOAD=$(WORKLOAD) CPUS=$(CPUS) OPS=$(OPS) SECS=$(SECS) TOP=$(TOP) RUNS=$(RUNS) REP=$(REP) HUGE=$(HUGE) \
		$(CURDIR)/tests/drivers/profile.sh

clean:
	rm -f rshmem.ko *.o *.mod *.mod.c .*.cmd Module.symvers modules.order
	rm -rf src/*.o src/.*.cmd src/*.d src/bindings_generated.rs src/bindings_static.c \
		.tmp_versions tests/build
