# libFuzzer targets (fuzz/fuzz_*.c), built with clang against the project
# objects compiled with the same sanitizers, in build/fuzz, apart from the
# normal build. Included from the Makefile.
#
#   make fuzz                    every target FUZZ_SECONDS (60) seconds each,
#                                one after the other; fails on any crash
#   make fuzz FUZZ_SECONDS=10    the short run scripts/check.sh does
#   make fuzz-build              build only
#
# Seeds come from tests/fixtures (fuzz/mkseeds.c splits and converts them);
# the corpus each run grows is kept in build/fuzz/corpus/<target>, crash
# inputs land in build/fuzz/artifacts/<target>/.

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer
FUZZ_CFLAGS := -O1 -g -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE $(FUZZ_SAN)
FUZZ_TARGETS := $(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz_%)
FUZZ_LIB_OBJS := $(LIB_SRCS:src/%.c=$(FUZZ_DIR)/obj/%.o)

.PHONY: fuzz fuzz-build fuzz-seeds

fuzz-build: $(FUZZ_BINS) fuzz-seeds

# Library objects: coverage for the fuzzer, sanitizers, no libFuzzer main.
$(FUZZ_DIR)/obj/%.o: src/%.c $(wildcard src/*.h) | $(FUZZ_DIR)/obj
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_DIR)/obj:
	mkdir -p $@

# cli.c prints the version: the same header as the main build's
$(FUZZ_DIR)/obj/cli.o: $(BUILD)/version.h
$(FUZZ_DIR)/obj/cli.o: CPPFLAGS += -I$(BUILD)

$(FUZZ_DIR)/fuzz_%: fuzz/fuzz_%.c $(FUZZ_LIB_OBJS)
	$(FUZZ_CC) $(CPPFLAGS) -Isrc $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

# The seed converter runs the project's own parsers on the fixtures.
$(FUZZ_DIR)/mkseeds: fuzz/mkseeds.c $(FUZZ_LIB_OBJS)
	$(FUZZ_CC) $(CPPFLAGS) -Isrc $(FUZZ_CFLAGS) -o $@ $^ $(LDLIBS)

fuzz-seeds: $(FUZZ_DIR)/seeds/.stamp

$(FUZZ_DIR)/seeds/.stamp: $(FUZZ_DIR)/mkseeds $(wildcard tests/fixtures/*)
	rm -rf $(FUZZ_DIR)/seeds
	$(FUZZ_DIR)/mkseeds tests/fixtures $(FUZZ_DIR)/seeds
	touch $@

fuzz: deps fuzz-build
	sh scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)
