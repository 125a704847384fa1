# SPDX-License-Identifier: GPL-2.0-only
# newlib, built from Debian's newlib-source as the vmkernel's C library.
# Needs BUILD and HOST_PACKAGES_STAMP from the top GNUmakefile.  The host gcc
# and binutils act as the x86_64-elf cross tools through wrappers.
#
# The vmkernel supplies the system calls.  newlib's x86_64-elf build defines
# MISSING_SYSCALL_NAMES, so libc.a calls them without the leading underscore:
# sbrk (malloc), write read lseek close fstat isatty (stdio), kill getpid
# (abort/raise) and _exit (exit); more only if open, time, clock, system...
# are used.

NEWLIB_DIR     := $(BUILD)/newlib
NEWLIB_PREFIX  := $(NEWLIB_DIR)/install
NEWLIB_LIBC    := $(NEWLIB_PREFIX)/x86_64-elf/lib/libc.a
NEWLIB_INCLUDE := $(NEWLIB_PREFIX)/x86_64-elf/include
NEWLIB_LOG     := $(NEWLIB_DIR)/build.log

# The vmkernel's flags.  -Wa,--noexecstack marks newlib's .S files (memset,
# setjmp, ...) as not needing an executable stack, which silences ld's warning.
NEWLIB_CFLAGS := -O2 -g -ffreestanding -mno-red-zone -fno-pic -fno-pie \
    -fno-stack-protector -mcmodel=small -fno-omit-frame-pointer \
    -fno-asynchronous-unwind-tables -Wa,--noexecstack

# Size/behaviour options (all build and pass a link test):
#  io-long-long, io-c99-formats: %lld/%llx and %zu/%jd/%td/%hhx, which vmkernel
#    code will use (off by default, printf would print them wrongly).
#  no io-float: no %f/%g in printf/scanf, as in Linux; keeps vfprintf small
#    and shallow on the stack and free of dtoa (which mallocs).
#  reent-small, no fvwrite-in-streamio, no wide-orient, no fseek-optimization:
#    smaller struct _reent and stdio; the vmkernel only formats into buffers
#    and a serial log.
#  nano-malloc: a small first-fit allocator over sbrk, no mmap/trim logic.
#  lite-exit, global-atexit: no per-reent atexit tables.
#  retargetable-locking: malloc and stdio call __retarget_lock_*; libc.a has
#    no-op defaults, the vmkernel may supply real spinlocks for SMP (it must
#    then define all of them and the __lock___*_mutex objects, see
#    newlib/libc/misc/lock.c).
#  MAKEINFO=true: the docs are not built, so texinfo is not needed.
NEWLIB_CONFIGURE_ARGS := --target=x86_64-elf --disable-multilib \
    --disable-newlib-supplied-syscalls --disable-nls \
    --enable-newlib-io-long-long --enable-newlib-io-c99-formats \
    --disable-newlib-io-float \
    --enable-newlib-reent-small --disable-newlib-fvwrite-in-streamio \
    --disable-newlib-wide-orient --disable-newlib-fseek-optimization \
    --enable-newlib-nano-malloc --enable-lite-exit \
    --enable-newlib-global-atexit --enable-newlib-retargetable-locking \
    MAKEINFO=true

# A change of the pinned version, the options or the flags rebuilds newlib:
# the stamp's name carries a hash of all three.
NEWLIB_VERSION := $(shell sed -n 's/^newlib-source=//p' packages.lock)
NEWLIB_HASH    := $(shell echo '$(NEWLIB_VERSION) $(NEWLIB_CONFIGURE_ARGS) $(NEWLIB_CFLAGS)' | sha1sum | cut -c1-12)
NEWLIB_STAMP   := $(NEWLIB_DIR)/.config-$(NEWLIB_HASH)

NEWLIB_CROSS_TOOLS := ar as ld nm ranlib objcopy objdump strip readelf

$(NEWLIB_STAMP):
	@mkdir -p $(@D) && rm -f $(NEWLIB_DIR)/.config-* && touch $@

# Runs a phase with output appended to the log; on failure shows the first
# compiler errors (a parallel build buries them) and the log's tail.
newlib_phase = echo "  NEWLIB  $(1)"; \
    ( $(2) ) >>$(NEWLIB_LOG) 2>&1 || \
    { echo "newlib: $(1) failed, see $(NEWLIB_LOG):" >&2; \
      grep -m 5 -E '(error|Error):' $(NEWLIB_LOG) >&2; \
      grep -v 'ing directory' $(NEWLIB_LOG) | tail -n 15 >&2; exit 1; }

# x86_64-elf-gcc is the host gcc without the glibc headers; gcc's own headers
# (stddef.h, stdarg.h, ...) come after newlib's, as in a real cross gcc.  The
# sub-make runs without our MAKEFLAGS so that command-line variables of the
# outer make (CFLAGS=..., BUILD=...) do not leak into newlib's makefiles.
NEWLIB_ABS := $(abspath $(NEWLIB_DIR))
newlib_make = env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C $(NEWLIB_ABS)/obj

# Host packages are order-only: adding one must not rebuild newlib.
$(NEWLIB_LIBC): $(NEWLIB_STAMP) tools/build/fetch-debs.sh | $(HOST_PACKAGES_STAMP)
	@set -e; d=$(NEWLIB_ABS); \
	rm -rf $$d/deb $$d/src $$d/obj $$d/bin $(NEWLIB_PREFIX); mkdir -p $$d/bin $$d/src $$d/obj; \
	: > $(NEWLIB_LOG); \
	$(call newlib_phase,fetch+unpack newlib-source $(NEWLIB_VERSION), \
	    deb=$$(tools/build/fetch-debs.sh packages.lock $(BUILD)/cache/debs newlib-source) && \
	    dpkg-deb -x $$deb $$d/deb && \
	    tar -xJf $$d/deb/usr/src/newlib/newlib-3.3.0.tar.xz -C $$d/src); \
	printf '#!/bin/sh\nexec gcc -nostdinc -idirafter "%s" "$$@"\n' "$$(gcc -print-file-name=include)" \
	    > $$d/bin/x86_64-elf-gcc; \
	chmod +x $$d/bin/x86_64-elf-gcc; ln -s x86_64-elf-gcc $$d/bin/x86_64-elf-cc; \
	for t in $(NEWLIB_CROSS_TOOLS); do ln -s $$(command -v $$t) $$d/bin/x86_64-elf-$$t; done; \
	export PATH=$$d/bin:$$PATH; \
	$(call newlib_phase,configure, \
	    cd $$d/obj && $$d/src/newlib-salsa/configure $(NEWLIB_CONFIGURE_ARGS) \
	        --prefix=$(abspath $(NEWLIB_PREFIX)) CFLAGS_FOR_TARGET='$(NEWLIB_CFLAGS)'); \
	$(call newlib_phase,build, $(newlib_make) -j$$(nproc) all-target-newlib); \
	$(call newlib_phase,install, $(newlib_make) install-target-newlib); \
	test -f $@ || { echo "newlib: install did not produce $@" >&2; exit 1; }; touch $@

.PHONY: newlib
newlib: $(NEWLIB_LIBC)
