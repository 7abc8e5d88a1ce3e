# nslab - build the lab programs and tools, run the suite, run the tour.
# `make help` lists the targets.

CC     ?= cc
CFLAGS ?= -O2 -g
# What the kit needs whatever CFLAGS a user gives: C11 with the GNU
# declarations (clone, pipe2, strerrorname_np), warnings, and header
# dependencies (-MMD -MP), so editing a header rebuilds what uses it.
# -Wmissing-prototypes: a function shared between files is declared once,
# in a header that both include.
# -Wdeclaration-after-statement: a block's declarations come first, as
# in the kernel's own style, so that its story starts after them.
KIT_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wmissing-prototypes -Wdeclaration-after-statement -MMD -MP
ifeq ($(WERROR),1)
KIT_CFLAGS += -Werror
endif
ifeq ($(SANITIZE),1)
KIT_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS    += -fsanitize=address,undefined
endif

# labs/common: the shared modules, one idea each (see labs/common/*.h),
# linked from an archive so that a lab takes only the modules it uses.
COMMON_OBJS := $(patsubst %.c,%.o,$(wildcard labs/common/*.c))
COMMON := labs/common/libnslab.a
# Every lab directory labs/NN-topic/ builds one program: NAME_demo from
# NAME_demo.c; Labs 11 and 12 build mini_container and nsbench.
DEMOS  := $(patsubst %.c,%,$(sort $(wildcard labs/[0-9][0-9]-*/*_demo.c))) \
          $(patsubst %.c,%,$(wildcard labs/11-container/mini_container.c \
                                      labs/12-cost/nsbench.c))
TOOLS  := tools/nsinfo
# The small root filesystem Lab 03 chroots into, made once by tools/mkrootfs.
ROOTFS := labs/rootfs
# A lab's program is every .c file in its directory, plus labs/common.
lab_objs = $(patsubst %.c,%.o,$(wildcard $(dir $(1))*.c))
OBJS   := $(COMMON_OBJS) $(foreach d,$(DEMOS),$(call lab_objs,$(d))) tools/nsinfo.o

.PHONY: all check demo doctor vm-check vm-kernel distro-check clean help format format-check lint FORCE
.DEFAULT_GOAL := all

all: $(DEMOS) $(TOOLS) $(ROOTFS)/.nslab-rootfs

# Everything is rebuilt when the flags change (say, SANITIZE=1 after a
# plain build), so an instrumented object never links with a plain one.
# The stamp is written by this rule only: `make help`, `make -n` and
# `make clean` write nothing.
FLAGS_NOW := $(CC) $(CFLAGS) $(KIT_CFLAGS) $(LDFLAGS)
.build-flags: FORCE
	@printf '%s\n' '$(FLAGS_NOW)' | cmp -s - $@ || printf '%s\n' '$(FLAGS_NOW)' >$@

%.o: %.c .build-flags
	$(CC) $(CFLAGS) $(KIT_CFLAGS) -c -o $@ $<

$(COMMON): $(COMMON_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(foreach d,$(DEMOS),$(eval $(d): $(call lab_objs,$(d)) $(COMMON)))
$(DEMOS) $(TOOLS): .build-flags
	$(CC) $(CFLAGS) $(KIT_CFLAGS) -o $@ $(filter %.o %.a,$^) $(LDFLAGS)
tools/nsinfo: tools/nsinfo.o $(COMMON)

$(ROOTFS)/.nslab-rootfs: tools/mkrootfs
	tools/mkrootfs --quiet $(ROOTFS)

-include $(OBJS:.o=.d)

check: all
	@tests/run

demo: all
	@tools/tour

# A quick report on what this machine offers each lab; needs no root and
# builds nothing, so it runs in seconds on a fresh checkout.
doctor:
	@tools/doctor

# The whole suite inside a VM running Debian's kernel with cgroup v2 only.
vm-check: all
	@tests/vm/run

# One formatter for every C file: .clang-format (the kernel's style, 100
# columns).  `make format` applies it; `make format-check` (run by CI)
# fails on a file that is not formatted and on one past its length limit.
C_FILES = $(sort $(wildcard labs/*/*.c labs/*/*.h tools/*.c))
format:
	clang-format -i $(C_FILES)
format-check:
	@tools/c-sizes $(C_FILES)

# Every shell script the repository tracks (by its #! line), through
# shellcheck; CI runs this same target, so a clean `make lint` here is a
# clean shellcheck leg there.
lint:
	@git ls-files | while read -r f; do \
		case "$$f" in \
		*.bats | *.bash | *.sh | .ci/run | tests/run | tools/* | tests/vm/* | tests/distro/*) \
			head -c 64 "$$f" | grep -qE '^#!.*(sh|bats)' && echo "$$f" ;; \
		esac; \
	done | xargs shellcheck && echo 'lint: every shell script is shellcheck-clean'

# Just the kernel vm-check boots, into the same .vm-cache/: enough for
# Lab 12's VM row (nsbench), without running the suite.
vm-kernel:
	@tests/vm/kernel
# The kit on Debian 13 with systemd as PID 1, checked by an ordinary user
# with sudo in a qemu VM; the image is built once into .vm-cache/trixie/.
distro-check:
	@tests/distro/run

clean:
	rm -f $(DEMOS) $(TOOLS) $(OBJS) $(OBJS:.o=.d) $(COMMON) .build-flags
	@# Objects of a source that is gone (renamed or merged) are not in OBJS.
	rm -f labs/*/*.o labs/*/*.d tools/*.o tools/*.d
	if [ -f $(ROOTFS)/.nslab-rootfs ]; then rm -rf $(ROOTFS); fi
	@echo '(.vm-cache/ - the VM kernel and the Debian 13 image - is kept; remove it by hand if you like)'

help:
	@echo 'nslab targets:'
	@echo '  make              build every lab program and tool, and labs/rootfs'
	@echo '  sudo make check   build, then run the bats suite (needs root for most tests)'
	@echo '  sudo make demo    build, then run the labs in order as a narrated tour'
	@echo '                    (sudo tools/tour 04 11: only the labs named)'
	@echo '  make doctor       a quick report (no root, no build): can each lab run here?'
	@echo '  sudo make vm-check  run the suite in a qemu VM: another kernel, cgroup v2 only'
	@echo '                    (needs: sudo vagrant/provision.sh --vm-check)'
	@echo '  make format       format every C file with clang-format (.clang-format)'
	@echo '  make format-check fail on unformatted C or a file past its length limit'
	@echo '  make lint         shellcheck every shell script (as CI does)'
	@echo '  sudo make vm-kernel  fetch only the kernel vm-check boots (Lab 12 times it under qemu)'
	@echo '  sudo make distro-check  the suite and the labs as user student with sudo, in a'
	@echo '                    Debian 13 VM with systemd (the image is built once; needs the same)'
	@echo '  make clean        remove what the build made'
	@echo 'Variables:'
	@echo '  WERROR=1          treat compiler warnings as errors'
	@echo '  SANITIZE=1        build with AddressSanitizer and UBSan'
	@echo '  CFLAGS=...        your own flags (the kit adds -std=c11 -D_GNU_SOURCE and warnings)'
	@echo '  NO_COLOR=1        no colour in the narration'
	@echo '  PAUSE=1           make demo: wait for Enter between labs (on a terminal)'
	@echo '  NSLAB_VM_TIMEOUT=S  vm-check: stop a guest after S seconds (default 3600)'
	@echo '  NSLAB_DISTRO_TIMEOUT=S  distro-check: the same (default 3600)'
	@echo '  NSLAB_VM_MEMORY=M  vm-check and distro-check: the guest'"'"'s MiB (default 2048)'
