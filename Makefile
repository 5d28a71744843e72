# iptables-trace. `make demo` and `make check` install what they need.
CC ?= cc
PKGS := libmnl libnftnl libnftables libpcap libnetfilter_log libnetfilter_conntrack jansson
CFLAGS ?= -O2 -g
# override: the warnings and language level hold for every build, asan too
override CFLAGS += -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE
CPPFLAGS += $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS += $(shell pkg-config --libs $(PKGS) 2>/dev/null)

BUILD := build
SRCS := $(wildcard src/*.c)
LIB_SRCS := $(filter-out src/main.c,$(SRCS))
OBJS := $(SRCS:src/%.c=$(BUILD)/obj/%.o)
LIB_OBJS := $(LIB_SRCS:src/%.c=$(BUILD)/obj/%.o)
BIN := $(BUILD)/iptables-trace

.PHONY: all deps demo check unit bench clean asan testlibs

all: $(BIN)

deps:
	@sh scripts/deps.sh

$(BIN): $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/obj/%.o: src/%.c $(wildcard src/*.h) | $(BUILD)/obj
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/obj:
	mkdir -p $@

TEST_SRCS := $(wildcard tests/unit/test_*.c)
TEST_BINS := $(TEST_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJS) | $(BUILD)/tests
	$(CC) $(CPPFLAGS) -Isrc $(CFLAGS) -DFIXTURES=\"$(CURDIR)/tests/fixtures\" \
		-o $@ $< $(LIB_OBJS) $(LDLIBS) -lcmocka

$(BUILD)/tests:
	mkdir -p $@

unit: $(TEST_BINS)

# LD_PRELOAD shim the namespace tests use to fake a kernel without nf_tables.
$(BUILD)/tests/fake_nonft.so: tests/netns/fake_nonft.c | $(BUILD)/tests
	$(CC) $(CFLAGS) -shared -fPIC -o $@ $< -ldl

testlibs: $(BUILD)/tests/fake_nonft.so

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

# The same build with AddressSanitizer and UBSan, in its own directory.
SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
asan:
	$(MAKE) BUILD=$(BUILD)/asan CFLAGS="-O1 -g $(SAN)" LDFLAGS="$(SAN)" all unit

clean:
	rm -rf $(BUILD)

include fuzz/fuzz.mk
