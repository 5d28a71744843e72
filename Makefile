# iptables-trace. `make demo` and `make check` install what they need.
CC ?= cc
PKGS := libmnl libnftnl libnftables libpcap libnetfilter_log libnetfilter_conntrack jansson
CFLAGS ?= -O2 -g
# WERROR=0 for distribution builds (debian/rules); CI and make check keep it.
WERROR ?= 1
# override: the warnings and language level hold for every build, asan too
override CFLAGS += -std=gnu11 -Wall -Wextra $(if $(filter 1,$(WERROR)),-Werror) -D_GNU_SOURCE
CPPFLAGS += $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -pthread

BUILD := build
SRCS := $(wildcard src/*.c)
LIB_SRCS := $(filter-out src/main.c,$(SRCS))
OBJS := $(SRCS:src/%.c=$(BUILD)/obj/%.o)
LIB_OBJS := $(LIB_SRCS:src/%.c=$(BUILD)/obj/%.o)
BIN := $(BUILD)/iptables-trace
MAN := $(BUILD)/iptables-trace.8

# mk/package.mk defines targets of its own: plain `make` must build all
.DEFAULT_GOAL := all

# ---- packaging: version, quiet build, missing libraries, install, dist
include mk/package.mk

.PHONY: all deps demo check test unit bench clean asan testlibs

all: $(BIN) $(MAN)

deps:
	@sh scripts/deps.sh

$(BIN): $(OBJS)
	$(call quiet,LD,$@)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/obj/%.o: src/%.c | $(BUILD)/obj
	$(call quiet,CC,$<)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj:
	$(Q)mkdir -p $@

TEST_SRCS := $(wildcard tests/unit/test_*.c)
TEST_BINS := $(TEST_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJS) | $(BUILD)/tests
	$(call quiet,CCLD,$@)$(CC) $(CPPFLAGS) -Isrc $(CFLAGS) -MMD -MP \
		-DFIXTURES=\"$(CURDIR)/tests/fixtures\" \
		-o $@ $< $(LIB_OBJS) $(LDLIBS) -lcmocka

$(BUILD)/tests:
	$(Q)mkdir -p $@

unit: $(TEST_BINS)

# LD_PRELOAD shims the namespace tests use: a kernel without nf_tables,
# and table dumps interrupted by a concurrent commit.
$(BUILD)/tests/fake_nonft.so: tests/netns/fake_nonft.c tests/netns/shim.h | $(BUILD)/tests
	$(call quiet,CCLD,$@)$(CC) $(CFLAGS) -shared -fPIC -o $@ $< -ldl

$(BUILD)/tests/fake_dump_intr.so: tests/netns/fake_dump_intr.c tests/netns/shim.h | $(BUILD)/tests
	$(call quiet,CCLD,$@)$(CC) $(CFLAGS) -shared -fPIC -o $@ $< -ldl

# The namespace tests' drivers of single modules, linked against every
# module but main.c, so that a new source file needs no list of its own:
# the probe copy (probe_copy.bats), snapshots_prepare_block()
# (snapshots.bats), the x_tables modules and an NFLOG capture
# (xt_lib.bash).
TOOLS := probe_copy_dump snapshots_prepare xt_probe nflog_capture
TOOL_BINS := $(TOOLS:%=$(BUILD)/tests/%)

$(TOOL_BINS): $(BUILD)/tests/%: tests/tools/%.c $(LIB_OBJS) | $(BUILD)/tests
	$(call quiet,CCLD,$@)$(CC) $(CPPFLAGS) -Isrc $(CFLAGS) -o $@ $< $(LIB_OBJS) $(LDLIBS)

testlibs: $(BUILD)/tests/fake_nonft.so $(BUILD)/tests/fake_dump_intr.so $(TOOL_BINS)

# The unit tests alone, plain and under the sanitizers: no root, no apt.
test: unit asan
	sh scripts/unit.sh -s build/tests 'build/asan/tests: [asan]'

# Everything, from a fresh machine: packages, build, unit and namespace tests.
check: deps testlibs
	$(MAKE) all unit asan
	sh scripts/check.sh

demo: deps
	$(MAKE) all
	sh scripts/demo.sh $(BIN)

# Performance against nft monitor trace and xtables-monitor on the same traffic.
bench: deps
	$(MAKE) all
	sh scripts/bench.sh $(BIN)
	sh bench/probe.sh $(BIN)
	sh bench/startup.sh $(BIN)
	sh bench/memory.sh $(BIN)

# The same build with AddressSanitizer and UBSan, in its own directory.
SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
asan:
	$(Q)$(MAKE) BUILD=$(BUILD)/asan CFLAGS="-O1 -g $(SAN)" LDFLAGS="$(SAN)" all unit

clean:
	rm -rf $(BUILD)

# Header dependencies written by -MMD -MP. An object without its .d (one
# built before -MMD was used) depends on every header, or a changed
# struct would stay compiled into it the old way.
-include $(wildcard $(BUILD)/obj/*.d $(BUILD)/tests/*.d)
$(foreach o,$(OBJS),$(if $(wildcard $(o:.o=.d)),,$(eval $(o): $(wildcard src/*.h))))

include fuzz/fuzz.mk
