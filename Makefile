# streamx - build, test, install.
#
#   make              build streamx and lib/libstreamx.a
#   make demo         stream vs naive peak RSS on generated sample data
#   make check        build and run every test
#   make install      PREFIX=/usr/local DESTDIR= BINDIR= MANDIR=
#   make SANITIZE=address,undefined check    the same under sanitizers
#
# Missing build packages are installed by scripts/deps.sh when run as root
# on Debian; otherwise it prints the apt-get line to run.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DESTDIR ?=
PKG_CONFIG ?= pkg-config
CFLAGS ?= -O2 -g
LDFLAGS ?=
SANITIZE ?=
BUILD ?= build

# What the project needs, kept apart from the user's CFLAGS. Deferred (=)
# so that pkg-config runs after scripts/deps.sh had a chance to install.
SX_CPPFLAGS = -Ilib -Itransforms -Icmd -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
SX_CFLAGS = -std=c11 -Wall -Wextra -Wpedantic -MMD -MP \
	$(if $(SANITIZE),-fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all)
SX_LDFLAGS = $(if $(SANITIZE),-fsanitize=$(SANITIZE))
ZLIB_CFLAGS = $(shell $(PKG_CONFIG) --cflags zlib)
ZLIB_LIBS = $(shell $(PKG_CONFIG) --libs zlib)
CHECK_CFLAGS = $(shell $(PKG_CONFIG) --cflags check)
CHECK_LIBS = $(shell $(PKG_CONFIG) --libs check)

ALL_CFLAGS = $(SX_CPPFLAGS) $(CPPFLAGS) $(SX_CFLAGS) $(ZLIB_CFLAGS) $(CFLAGS)

LIB_SRC = $(wildcard lib/*.c) $(wildcard transforms/*.c)
CMD_SRC = $(wildcard cmd/*.c)
TEST_SRC = $(wildcard tests/*.c)
LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/%.o)
CMD_OBJ = $(CMD_SRC:%.c=$(BUILD)/%.o)
TEST_OBJ = $(TEST_SRC:%.c=$(BUILD)/%.o)
LIBRARY = lib/libstreamx.a
PROGRAM = streamx
TEST_RUNNER = $(BUILD)/tests/check_streamx

.PHONY: all deps deps-test check demo bench install uninstall clean

all: $(PROGRAM) $(LIBRARY)

deps:
	@sh scripts/deps.sh build

deps-test:
	@sh scripts/deps.sh test

$(BUILD)/%.o: %.c | deps
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%.o: tests/%.c | deps-test
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -c -o $@ $<

$(LIBRARY): $(LIB_OBJ)
	$(AR) rcs $@ $^

$(PROGRAM): $(CMD_OBJ) $(LIBRARY)
	$(CC) $(SX_LDFLAGS) $(LDFLAGS) -o $@ $(CMD_OBJ) $(LIBRARY) $(ZLIB_LIBS)

$(TEST_RUNNER): $(TEST_OBJ) $(LIBRARY)
	$(CC) $(SX_LDFLAGS) $(LDFLAGS) -o $@ $(TEST_OBJ) $(LIBRARY) $(ZLIB_LIBS) $(CHECK_LIBS)

check: $(PROGRAM) $(TEST_RUNNER)
	@sh scripts/deps.sh tools
	STREAMX=$(CURDIR)/$(PROGRAM) $(TEST_RUNNER)

bench: $(PROGRAM)
	@bash scripts/bench.sh $(BENCH_ARGS)

demo: $(PROGRAM)
	@sh scripts/demo.sh

install: $(PROGRAM)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 $(PROGRAM) $(DESTDIR)$(BINDIR)/$(PROGRAM)
	install -m 644 docs/streamx.1 $(DESTDIR)$(MANDIR)/man1/streamx.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/$(PROGRAM) $(DESTDIR)$(MANDIR)/man1/streamx.1

clean:
	rm -rf $(BUILD) $(PROGRAM) $(LIBRARY)

-include $(LIB_OBJ:.o=.d) $(CMD_OBJ:.o=.d) $(TEST_OBJ:.o=.d)
