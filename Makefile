# pasted — build, run and test.
#
#   make            build build/pasted (release)
#   make run        install what is missing, build, start Redis + FerretDB under state/, serve :8080
#   make test       install what is missing, build, start a private Redis + FerretDB, run every suite
#   make test SAN=1 the same with ASan+UBSan builds of the server and the C test suites
#   make cluster    three cache Redis, a primary with Sentinels, three pasted behind nginx on :8080
#   make ketama-check  the cache ring against nutcracker's, key by key
#
# Build output goes to build/ (build-san/ for SAN=1); runtime state to state/.

CC      ?= cc
PKGS    := libevent libevent_pthreads hiredis libmongoc-1.0 jansson zlib libcrypto libgit2
SAN     ?=
ifeq ($(SAN),1)
  B       := build-san
  OPT     := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
else
  B       := build
  OPT     := -O2 -g
endif
CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror $(OPT) -MMD -MP
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lhiredis -lwslay -lpthread -lm
LDFLAGS += $(OPT)

# The layers (README, "Architecture"): each folder of src/ is compiled with include paths for
# itself and the layers below it only, so `#include "store/keys.h"` in src/http/ does not
# compile. $(B)/inc/LAYER/ holds one link per visible layer; sources include "layer/file.h".
LAYERS      := core http store app web server
core_SEES   := core
http_SEES   := core http
store_SEES  := core store
app_SEES    := core store app
web_SEES    := core http app web
server_SEES := core http store app web server

layer_src = $(wildcard src/$(1)/*.c)
SRC      := $(foreach l,$(LAYERS),$(call layer_src,$(l)))
OBJ      := $(SRC:src/%.c=$(B)/obj/%.o) $(B)/obj/assets_gen.o
BASE_OBJ := $(filter $(B)/obj/core/% $(B)/obj/http/%,$(OBJ))
INC_STAMPS := $(foreach l,$(LAYERS),$(B)/inc/$(l)/.stamp)
ASSETS   := $(shell find assets -type f -not -path '*/node_modules/*' -not -name 'package*.json' 2>/dev/null | sort)
# highlight.js from npm (assets/package-lock.json pins it), embedded like the rest
HLJS     := assets/node_modules/@highlightjs/cdn-assets
ASSETS   += $(HLJS)/highlight.min.js \
            $(addprefix $(HLJS)/languages/,$(addsuffix .min.js,dart dockerfile elixir haskell nginx powershell scala))
# tests/unit/*.c test core and http and link against those two layers only;
# tests/unit/upper/*.c test the pure parts of the layers above.
UNIT_SRC := $(wildcard tests/unit/*.c)
UPPER_SRC := $(wildcard tests/unit/upper/*.c)
INT_SRC  := $(wildcard tests/integration/*.c) $(wildcard tests/support/*.c)

.PHONY: all deps deps-run deps-test deps-bench run test test-san fuzz clean FORCE

all: $(B)/pasted

# What each command needs, installed when missing (.tools/deps.sh): `make run` only what
# running needs; tests and benchmarks add their own tools.
deps:
	@.tools/deps.sh
deps-run deps-test deps-bench:
	@.tools/deps.sh $(@:deps-%=%)

$(B)/inc/%/.stamp: Makefile
	@rm -rf $(@D) && mkdir -p $(@D)
	@for l in $($*_SEES); do ln -s $(CURDIR)/src/$$l $(@D)/$$l; done
	@touch $@

define layer_rule
$(B)/obj/$(1)/%.o: src/$(1)/%.c $(B)/inc/$(1)/.stamp
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS) -I$(B)/inc/$(1) $$(PKG_CFLAGS) -c $$< -o $$@
endef
$(foreach l,$(LAYERS),$(eval $(call layer_rule,$(l))))

$(B)/obj/main.o: src/main.c $(B)/inc/server/.stamp
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -I$(B)/inc/server $(PKG_CFLAGS) -c $< -o $@

$(B)/obj/assets_gen.o: $(B)/gen/assets_gen.c $(B)/inc/web/.stamp
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -I$(B)/inc/web -c $< -o $@

# Assets are compiled into the binary: one generated C file holding every file under assets/.
$(B)/gen/assets_gen.c: $(ASSETS) $(B)/gen/assets.list .tools/embed.sh | $(B)/gen
	.tools/embed.sh $@ $(ASSETS)

# rewritten only when the list of assets changes, so adding a file rebuilds
$(B)/gen/assets.list: FORCE | $(B)/gen
	@echo '$(ASSETS)' | cmp -s - $@ || echo '$(ASSETS)' > $@

FORCE:

$(B)/pasted: $(B)/obj/main.o $(OBJ)
	$(CC) $(LDFLAGS) $^ $(PKG_LIBS) -o $@

# Unit tests of core and http link against those layers alone: a call from either into a
# higher layer fails to link here.
$(B)/test-unit: $(UNIT_SRC) $(BASE_OBJ) $(B)/inc/http/.stamp
	$(CC) $(CFLAGS) -I$(B)/inc/http $(PKG_CFLAGS) $(filter %.c %.o,$^) $(PKG_LIBS) -lcriterion -o $@

$(B)/test-unit-upper: $(UPPER_SRC) $(OBJ) $(B)/inc/server/.stamp
	$(CC) $(CFLAGS) -I$(B)/inc/server $(PKG_CFLAGS) $(filter %.c %.o,$^) $(PKG_LIBS) -lcriterion -o $@

$(B)/test-integration: $(INT_SRC) $(OBJ) $(wildcard tests/support/*.h) $(B)/inc/server/.stamp
	$(CC) $(CFLAGS) -I$(B)/inc/server -Itests/support $(PKG_CFLAGS) $(filter %.c %.o,$^) $(PKG_LIBS) -lcriterion -o $@

-include $(OBJ:.o=.d) $(B)/obj/main.d

# a plain `make` on a fresh clone: the npm assets come from deps.sh
$(HLJS)/%:
	@.tools/deps.sh run

$(B)/gen:
	@mkdir -p $@

run: deps-run
	@$(MAKE) --no-print-directory all
	@.tools/stack.sh run $(B)/pasted

test: deps-test
	@$(MAKE) --no-print-directory $(B)/pasted $(B)/test-unit $(B)/test-unit-upper $(B)/test-integration \
	    $(B)/ketama-place
	@B=$(B) tests/run.sh

test-san:
	@$(MAKE) --no-print-directory test SAN=1

# Fuzz every parser (tests/fuzz/) with clang's libFuzzer for FUZZ_SECONDS each; fails on
# any crash. `make test` runs each for 3 seconds.
FUZZ_SECONDS ?= 60
fuzz: deps-test
	@FUZZ_SECONDS=$(FUZZ_SECONDS) B=$(B) tests/fuzz/run.sh

clean:
	rm -rf build build-san

# Performance (tests/bench/): `make bench` measures pasted against nginx and the store's own
# limit (about 10 minutes; BENCH_SECONDS, BENCH_CONNS, BENCH_ONLY... in tests/bench/run.sh);
# `make bench-check` counts instructions per hot raw fetch with callgrind and fails when they
# are more than 10% above tests/bench/baseline.txt.
.PHONY: bench bench-check bench-scale soak

bench: deps-bench
	@$(MAKE) --no-print-directory build/pasted SAN=
	@tests/bench/run.sh

bench-check: deps-bench
	@$(MAKE) --no-print-directory build/pasted SAN=
	@tests/bench/check.sh

# `make bench-scale`: each operation at 10k, 100k and 1M stored pastes (BENCH_SCALE_N) on a
# seeded store kept under build/bench/scale/; fails when one costs more than 2x at N than at 10k.
bench-scale: deps-bench
	@$(MAKE) --no-print-directory build/pasted SAN=
	@tests/bench/scale.sh

# `make soak`: honest clients and abusive ones (flooders, id guessers, oversize posts, slowloris,
# wrong-token deletes) against one pasted for SOAK_SECONDS (600) after a quiet phase of the honest
# load alone (tests/soak/); fails when an honest request fails, the honest p99 is more than 2x the
# quiet one, an acknowledged paste does not read back byte-identical, or pasted dies.
soak: deps-bench
	@$(MAKE) --no-print-directory build/pasted SAN=
	@tests/soak/soak.sh

# `make ketama-check`: the cache ring (src/core/ketama.c) against nutcracker's ketama, key by key,
# over real Redis nodes (tests/cluster/ketama_vs_nutcracker.sh; needs nutcracker, .tools/deps.sh).
.PHONY: ketama-check

$(B)/ketama-place: tests/cluster/ketama_place.c $(B)/obj/core/ketama.o $(B)/obj/core/fault.o $(B)/inc/core/.stamp
	$(CC) $(CFLAGS) -I$(B)/inc/core $(filter %.c %.o,$^) $(shell pkg-config --libs libcrypto) -lm -o $@

ketama-check:
	@$(MAKE) --no-print-directory $(B)/ketama-place
	@KETAMA_PLACE=$(B)/ketama-place tests/cluster/ketama_vs_nutcracker.sh

# `make cluster`: the cluster on one machine (.tools/cluster.sh run): three cache Redis nodes, a
# primary Redis with a replica and three Sentinels, FerretDB, three pasted instances, and nginx in
# front on 127.0.0.1:8080 (PORT overrides); state and logs under state/cluster; Ctrl-C stops it all.
# Needs redis-sentinel and nginx (cluster.sh says so when one is missing). Its suite,
# tests/cluster/run.sh, starts a cluster of its own on free ports.
.PHONY: cluster

cluster: deps-run
	@$(MAKE) --no-print-directory $(B)/pasted
	@PASTED_BIN=$(B)/pasted .tools/cluster.sh run
