# nslab - build the lab programs and tools, run the suite, run the tour.
# `make help` lists the targets.

CC      ?= cc
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -Wall -Wextra -D_GNU_SOURCE
ifeq ($(WERROR),1)
CFLAGS  += -Werror
endif
ifeq ($(SANITIZE),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

COMMON  := labs/common/nslab.o
DEMOS   := labs/01-uts/uts_demo labs/02-pid/pid_demo \
           labs/03-chroot-proc/chroot_proc_demo labs/04-veth/veth_demo \
           labs/05-cgroup-mem/cgroup_mem_demo
TOOLS   := tools/nsinfo

# Rebuild everything when the flags change (say, SANITIZE=1 after a
# plain build), so an instrumented object never links with a plain one.
FLAGS_STAMP := .build-flags
FLAGS_NOW   := $(CC) $(CFLAGS) $(LDFLAGS)
ifneq ($(FLAGS_NOW),$(shell cat $(FLAGS_STAMP) 2>/dev/null))
$(shell printf '%s' '$(FLAGS_NOW)' > $(FLAGS_STAMP))
endif

.PHONY: all check demo vm-check clean help
.DEFAULT_GOAL := all

all: $(DEMOS) $(TOOLS)

labs/common/nslab.o: labs/common/nslab.c labs/common/nslab.h $(FLAGS_STAMP)
	$(CC) $(CFLAGS) -c -o $@ $<

# A lab is its NAME_demo.c plus any helper .c listed for it below.
labs/%_demo: labs/%_demo.c $(COMMON) labs/common/nslab.h $(FLAGS_STAMP)
	$(CC) $(CFLAGS) -o $@ $(filter %.c,$^) $(COMMON) $(LDFLAGS)

tools/nsinfo: tools/nsinfo.c $(FLAGS_STAMP)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS)

# Lab 04 speaks rtnetlink through a small helper of its own.
labs/04-veth/veth_demo: labs/04-veth/rtnl.c labs/04-veth/rtnl.h

check: all
	@tests/run

demo: all
	@tools/tour

# The whole suite inside a VM running Debian's kernel with cgroup v2 only.
vm-check: all
	@tests/vm/run

clean:
	rm -f $(DEMOS) $(TOOLS) $(COMMON) $(FLAGS_STAMP)
	@echo '(the VM kernel cache .vm-cache/ is kept; remove it by hand if you like)'

help:
	@echo 'nslab targets:'
	@echo '  make              build every lab program and tool'
	@echo '  sudo make check   build, then run the bats suite (needs root for most tests)'
	@echo '  sudo make demo    build, then run the labs in order as a narrated tour'
	@echo '  sudo make vm-check  run the suite in a qemu VM: another kernel, cgroup v2 only'
	@echo '                    (needs: sudo vagrant/provision.sh --vm-check)'
	@echo '  make clean        remove what the build made'
	@echo 'Variables:'
	@echo '  WERROR=1          treat compiler warnings as errors'
	@echo '  SANITIZE=1        build with AddressSanitizer and UBSan'
	@echo '  NO_COLOR=1        no colour in the narration'
