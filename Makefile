# streamx - build, test, install.
#
#   make              build streamx and lib/libstreamx.a
#   make demo         stream vs naive peak RSS on generated sample data
#   make check        build and run every test
#   make install      PREFIX=/usr/local DESTDIR= BINDIR= MANDIR= INCLUDEDIR=
#   make sanitize     every test against an AddressSanitizer (with leak
#                     detection) and UBSan build, in build/san
#   make fuzz         every libFuzzer target for FUZZ_SECONDS (default 60)
#                     each, built with clang in build/fuzz; make fuzz-smoke:
#                     5 seconds each
#   make valgrind     the suites that run the binary, with streamx under
#                     valgrind memcheck (VALGRIND_SUITES= picks others)
#
# Missing build packages are installed by scripts/deps.sh when run as root
# on Debian; otherwise it prints the apt-get line to run.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
INCLUDEDIR ?= $(PREFIX)/include
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
DESTDIR ?=
PKG_CONFIG ?= pkg-config
CFLAGS ?= -O2 -g
LDFLAGS ?=
SANITIZE ?=
BUILD ?= build
CK_TIMEOUT_MULTIPLIER ?= 1

# What the project needs, kept apart from the user's CFLAGS. Deferred (=)
# so that pkg-config runs after scripts/deps.sh had a chance to install.
SX_CPPFLAGS = -Ilib -Itransforms -Icmd -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
SX_CFLAGS = -std=c11 -Wall -Wextra -Wpedantic -MMD -MP \
	$(if $(SANITIZE),-fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all)
SX_LDFLAGS = $(if $(SANITIZE),-fsanitize=$(SANITIZE))
LIBS = -lpthread -ldl
ZLIB_CFLAGS = $(shell $(PKG_CONFIG) --cflags zlib)
ZLIB_LIBS = $(shell $(PKG_CONFIG) --libs zlib)
CRYPTO_CFLAGS = $(shell $(PKG_CONFIG) --cflags libcrypto)
CRYPTO_LIBS = $(shell $(PKG_CONFIG) --libs libcrypto)
CHECK_CFLAGS = $(shell $(PKG_CONFIG) --cflags check)
CHECK_LIBS = $(shell $(PKG_CONFIG) --libs check)

# ISA-L's inflate for gunzip, unzlib and inflate, when its header and
# library are there (libisal-dev; ISAL=no leaves it out); zlib does the
# work without it. Probed once, at the first compile, after deps.sh.
# The library is not linked: the decompressors load it when first used.
# Objects built before a change of ISAL or of what is installed are not
# rebuilt by themselves: `make clean` first.
ISAL ?= auto
ISAL_PROBE = mkdir -p $(BUILD) && \
	printf '\043include <isa-l.h>\nint main(void)\n{\n\tstruct inflate_state s;\n\n\tisal_inflate_init(&s);\n\treturn 0;\n}\n' \
		> $(BUILD)/isal-probe.c && \
	$(CC) $(SX_LDFLAGS) $(ISAL_PC_CFLAGS) -o $(BUILD)/isal-probe $(BUILD)/isal-probe.c $(ISAL_PC_LIBS) \
		>/dev/null 2>&1 && echo yes; rm -f $(BUILD)/isal-probe $(BUILD)/isal-probe.c
ISAL_PC_CFLAGS = $(shell $(PKG_CONFIG) --cflags libisal 2>/dev/null)
ISAL_PC_LIBS = $(or $(shell $(PKG_CONFIG) --libs libisal 2>/dev/null),-lisal)
HAVE_ISAL = $(eval HAVE_ISAL := $(if $(filter no,$(ISAL)),,$(shell $(ISAL_PROBE))))$(HAVE_ISAL)
ISAL_CFLAGS = $(if $(HAVE_ISAL),-DHAVE_ISAL $(ISAL_PC_CFLAGS))

ALL_CFLAGS = $(SX_CPPFLAGS) $(CPPFLAGS) $(SX_CFLAGS) $(ZLIB_CFLAGS) $(CRYPTO_CFLAGS) \
	$(ISAL_CFLAGS) $(CFLAGS)
# streamx does not link libcrypto: the sha256 stage loads it when it is
# used (the tests link it, to check digests in process).
EXT_LIBS = $(ZLIB_LIBS) $(LIBS)

LIB_SRC = $(wildcard lib/*.c) $(wildcard transforms/*.c)
CMD_SRC = $(wildcard cmd/*.c)
TEST_SRC = $(wildcard tests/*.c)
LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/%.o)
CMD_OBJ = $(CMD_SRC:%.c=$(BUILD)/%.o)
TEST_OBJ = $(TEST_SRC:%.c=$(BUILD)/%.o)
LIBRARY = lib/libstreamx.a
PROGRAM = streamx
TEST_RUNNER = $(BUILD)/tests/check_streamx

.PHONY: all deps deps-test check sanitize valgrind demo bench soak install uninstall clean \
	fuzz fuzz-smoke fuzz-build fuzz-targets

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

# The whole library goes in and its symbols are exported: plugins call it.
$(PROGRAM): $(CMD_OBJ) $(LIBRARY)
	$(CC) $(SX_LDFLAGS) $(LDFLAGS) -rdynamic -o $@ $(CMD_OBJ) \
		-Wl,--whole-archive $(LIBRARY) -Wl,--no-whole-archive $(EXT_LIBS)

# cmd/ objects the unit tests call in process (none may need main.c)
TEST_CMD_OBJ = $(BUILD)/cmd/memwatch.o $(BUILD)/cmd/report.o $(BUILD)/cmd/cli.o \
	$(BUILD)/cmd/progress.o

$(TEST_RUNNER): $(TEST_OBJ) $(TEST_CMD_OBJ) $(LIBRARY)
	$(CC) $(SX_LDFLAGS) $(LDFLAGS) -rdynamic -o $@ $(TEST_OBJ) $(TEST_CMD_OBJ) \
		-Wl,--whole-archive $(LIBRARY) -Wl,--no-whole-archive $(CHECK_LIBS) $(CRYPTO_LIBS) $(EXT_LIBS)

# Plugins: the example users read, and broken ones the tests load.
EXAMPLE_PLUGIN = $(BUILD)/examples/squeeze.so
TEST_PLUGINS = $(patsubst tests/plugins/%.c,$(BUILD)/tests/plugins/%.so,$(wildcard tests/plugins/*.c))
PLUGIN_FLAGS = -fPIC -shared -Ilib
# What a plugin includes, installed under INCLUDEDIR/streamx.
PLUGIN_HEADERS = lib/stage.h lib/error.h lib/mem.h lib/plugin.h lib/registry.h \
	lib/opts.h lib/spill.h

$(EXAMPLE_PLUGIN): examples/plugin/squeeze.c lib/stage.h lib/plugin.h | deps
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(PLUGIN_FLAGS) $(SX_LDFLAGS) -o $@ $<

$(BUILD)/tests/plugins/%.so: tests/plugins/%.c lib/stage.h lib/plugin.h | deps
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(PLUGIN_FLAGS) $(SX_LDFLAGS) -o $@ $<

# The fault shim the faults suite preloads into streamx (LD_PRELOAD).
# Never sanitized itself: it only passes calls on, or fails them.
FAULT_SHIM = $(BUILD)/tests/faults/shim.so

$(FAULT_SHIM): tests/faults/shim.c | deps
	@mkdir -p $(@D)
	$(CC) $(SX_CPPFLAGS) $(CPPFLAGS) -std=c11 -Wall -Wextra -Wpedantic $(CFLAGS) \
		-fPIC -shared -o $@ $< -ldl

check: $(PROGRAM) $(TEST_RUNNER) $(EXAMPLE_PLUGIN) $(TEST_PLUGINS) $(FAULT_SHIM)
	@sh scripts/deps.sh tools
	STREAMX=$(CURDIR)/$(PROGRAM) STREAMX_LEAK_CHECK=1 \
		STREAMX_EXAMPLE_PLUGIN=$(CURDIR)/$(EXAMPLE_PLUGIN) \
		STREAMX_TEST_PLUGINS=$(CURDIR)/$(BUILD)/tests/plugins \
		STREAMX_FAULT_SHIM=$(CURDIR)/$(FAULT_SHIM) \
		CK_TIMEOUT_MULTIPLIER=$(CK_TIMEOUT_MULTIPLIER) $(TEST_RUNNER)

bench: $(PROGRAM)
	@bash scripts/bench.sh $(BENCH_ARGS)

# a batch of 1,000 files and a 20 GiB stream, watching RSS, descriptors and temporaries
soak: $(PROGRAM)
	@STREAMX=$(CURDIR)/$(PROGRAM) bash scripts/soak.sh $(SOAK_ARGS)

sanitize:
	$(MAKE) BUILD=build/san PROGRAM=build/san/streamx LIBRARY=build/san/libstreamx.a \
		SANITIZE=address,undefined CFLAGS="-O1 -g" CK_TIMEOUT_MULTIPLIER=4 check

# libFuzzer targets (tests/fuzz): the library again, built by clang with
# the fuzzer's coverage and ASan and UBSan into build/fuzz, apart from the
# gcc objects. scripts/fuzz.sh writes the seeds and runs each target.
FUZZ_SECONDS ?= 60
FUZZ_BUILD = build/fuzz
FUZZ_SANITIZE = address,undefined
FUZZ_DECODERS = inflate unzlib base64_d hex_d gunzip_zlib gunzip_isal
FUZZ_TARGETS = $(filter-out $(if $(HAVE_ISAL),,gunzip_isal),$(FUZZ_DECODERS)) \
	lines spec opts diff digest
FUZZ_BINS = $(FUZZ_TARGETS:%=$(BUILD)/fuzz_%)
FUZZ_LINK = -fsanitize=fuzzer,$(FUZZ_SANITIZE)
# With ISA-L, inflate and unzlib also compare it with zlib; gunzip has a
# target for each engine.
FUZZ_ISAL = $(if $(HAVE_ISAL),-DFZ_ENGINE='"isa-l"')
$(BUILD)/tests/fuzz/fuzz_inflate.o: FZ_DEFS = -DFZ_SPEC='"inflate"' $(FUZZ_ISAL)
$(BUILD)/tests/fuzz/fuzz_unzlib.o: FZ_DEFS = -DFZ_SPEC='"unzlib"' $(FUZZ_ISAL)
$(BUILD)/tests/fuzz/fuzz_base64_d.o: FZ_DEFS = -DFZ_SPEC='"base64 -d"'
$(BUILD)/tests/fuzz/fuzz_hex_d.o: FZ_DEFS = -DFZ_SPEC='"hex -d"'
$(BUILD)/tests/fuzz/fuzz_gunzip_zlib.o: FZ_DEFS = -DFZ_SPEC='"gunzip"' -DFZ_ENGINE='"zlib"'
$(BUILD)/tests/fuzz/fuzz_gunzip_isal.o: FZ_DEFS = -DFZ_SPEC='"gunzip"' -DFZ_ENGINE='"isa-l"'

fuzz-build:
	@sh scripts/deps.sh fuzz
	$(MAKE) CC=clang BUILD=$(FUZZ_BUILD) LIBRARY=$(FUZZ_BUILD)/libstreamx.a \
		SANITIZE=fuzzer-no-link,$(FUZZ_SANITIZE) CFLAGS="-O1 -g" fuzz-targets

# expanded when wanted, so that ISA-L is probed only then
.SECONDEXPANSION:
fuzz-targets: $$(FUZZ_BINS)

.SECONDARY: $(FUZZ_DECODERS:%=$(BUILD)/tests/fuzz/fuzz_%.o) \
	$(patsubst tests/fuzz/%.c,$(BUILD)/tests/fuzz/%.o,$(wildcard tests/fuzz/*.c))

$(FUZZ_DECODERS:%=$(BUILD)/tests/fuzz/fuzz_%.o): tests/fuzz/fuzz_stage.c | deps
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/fuzz $(FZ_DEFS) -c -o $@ $<

$(BUILD)/tests/fuzz/%.o: tests/fuzz/%.c | deps
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/fuzz -c -o $@ $<

$(BUILD)/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/fuzz.o $(LIBRARY)
	$(CC) $(FUZZ_LINK) $(LDFLAGS) -o $@ $^ $(CRYPTO_LIBS) $(EXT_LIBS)

fuzz: fuzz-build
	@sh scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_BUILD) $(FUZZ_TARGETS)

fuzz-smoke:
	@$(MAKE) fuzz FUZZ_SECONDS=5
# The suites that drive the binary (VALGRIND_ALL), and the CLI test cases
# (suite:tcase) of the stage suites. Under memcheck a run of streamx costs
# a second of CPU or more and the stage cases run thousands, so the
# default is a subset that fits a CI run: each code path of cmd/ and the
# error paths of the CLI, the chains, and compare, batch and finish with
# their children. `make valgrind VALGRIND_SUITES='$(VALGRIND_ALL)'` runs
# everything. The runner itself runs natively; every streamx the tests
# start runs under memcheck, and any error or leak fails the target, with
# its report kept in build/valgrind/. VALGRIND_JOBS entries run at once.
VALGRIND_ALL = cli chains memory memwatch compare batch progress finish plugin \
	codec:zlib_inflate_cli codec:tools codec:errors codec:memory count:tee count:tools \
	count:errors inflate:choice lines:tools lines:cli opts:tools pgzip:tools sort:tools \
	sort:binary text:tools text:cli threads:cli zerocopy
VALGRIND_SUITES ?= cli:spec_errors cli:output_safety cli:gunzip_errors cli:stats_and_commands \
	cli:pipes_signals chains:chains compare batch finish memwatch:snapshot memwatch:monitor
VALGRIND_JOBS ?= 2
VALGRIND_TIMEOUT_MULTIPLIER ?= 10

valgrind: $(PROGRAM) $(TEST_RUNNER) $(EXAMPLE_PLUGIN) $(TEST_PLUGINS)
	@sh scripts/deps.sh valgrind
	STREAMX_VG_BIN=$(CURDIR)/$(PROGRAM) \
		STREAMX_EXAMPLE_PLUGIN=$(CURDIR)/$(EXAMPLE_PLUGIN) \
		STREAMX_TEST_PLUGINS=$(CURDIR)/$(BUILD)/tests/plugins \
		CK_TIMEOUT_MULTIPLIER=$(VALGRIND_TIMEOUT_MULTIPLIER) VALGRIND_JOBS=$(VALGRIND_JOBS) \
		sh scripts/valgrind.sh $(CURDIR)/$(TEST_RUNNER) $(VALGRIND_SUITES)

demo: $(PROGRAM)
	@sh scripts/demo.sh

install: $(PROGRAM)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 $(PROGRAM) $(DESTDIR)$(BINDIR)/$(PROGRAM)
	install -m 644 docs/streamx.1 $(DESTDIR)$(MANDIR)/man1/streamx.1
	install -d $(DESTDIR)$(COMPLETIONDIR)
	install -m 644 contrib/streamx.bash-completion $(DESTDIR)$(COMPLETIONDIR)/streamx
	install -d $(DESTDIR)$(INCLUDEDIR)/streamx
	install -m 644 $(PLUGIN_HEADERS) $(DESTDIR)$(INCLUDEDIR)/streamx

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/$(PROGRAM) $(DESTDIR)$(MANDIR)/man1/streamx.1
	rm -f $(DESTDIR)$(COMPLETIONDIR)/streamx
	rm -f $(addprefix $(DESTDIR)$(INCLUDEDIR)/streamx/,$(notdir $(PLUGIN_HEADERS)))
	rmdir $(DESTDIR)$(INCLUDEDIR)/streamx 2>/dev/null || true

clean:
	rm -rf $(BUILD) $(PROGRAM) $(LIBRARY)

-include $(LIB_OBJ:.o=.d) $(CMD_OBJ:.o=.d) $(TEST_OBJ:.o=.d) \
	$(wildcard $(BUILD)/tests/fuzz/*.d)
