# pasted — build, run and test.
#
#   make            build build/pasted (release)
#   make run        install what is missing, build, start Redis + FerretDB under state/, serve :8080
#   make test       install what is missing, build, start a private Redis + FerretDB, run every suite
#   make test SAN=1 the same with ASan+UBSan builds of the server and the C test suites
#
# Build output goes to build/ (build-san/ for SAN=1); runtime state to state/.

CC      ?= cc
PKGS    := libevent libevent_pthreads hiredis libmongoc-1.0 jansson zlib libcrypto
SAN     ?=
ifeq ($(SAN),1)
  B       := build-san
  OPT     := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
else
  B       := build
  OPT     := -O2 -g
endif
CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror $(OPT) -I$(B)/gen -Isrc
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lhiredis -lpthread -lm
LDFLAGS += $(OPT)

SRC      := $(filter-out src/main.c,$(wildcard src/*.c))
OBJ      := $(SRC:src/%.c=$(B)/obj/%.o) $(B)/obj/assets_gen.o
ASSETS   := $(shell find assets -type f -not -path '*/node_modules/*' -not -name 'package*.json' 2>/dev/null | sort)
# highlight.js from npm (assets/package-lock.json pins it), embedded like the rest
HLJS     := assets/node_modules/@highlightjs/cdn-assets
ASSETS   += $(HLJS)/highlight.min.js \
            $(addprefix $(HLJS)/languages/,$(addsuffix .min.js,dart dockerfile elixir haskell nginx powershell scala))
UNIT_SRC := $(wildcard tests/unit/*.c)
INT_SRC  := $(wildcard tests/integration/*.c) $(wildcard tests/support/*.c)

.PHONY: all deps run test test-san clean FORCE

all: $(B)/pasted

deps:
	@.tools/deps.sh

$(B)/obj/%.o: src/%.c $(wildcard src/*.h) | $(B)/obj
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c $< -o $@

$(B)/obj/assets_gen.o: $(B)/gen/assets_gen.c | $(B)/obj
	$(CC) $(CFLAGS) -c $< -o $@

# Assets are compiled into the binary: one generated C file holding every file under assets/.
$(B)/gen/assets_gen.c: $(ASSETS) $(B)/gen/assets.list .tools/embed.sh | $(B)/gen
	.tools/embed.sh $@ $(ASSETS)

# rewritten only when the list of assets changes, so adding a file rebuilds
$(B)/gen/assets.list: FORCE | $(B)/gen
	@echo '$(ASSETS)' | cmp -s - $@ || echo '$(ASSETS)' > $@

FORCE:

$(B)/pasted: $(B)/obj/main.o $(OBJ)
	$(CC) $(LDFLAGS) $^ $(PKG_LIBS) -o $@

$(B)/test-unit: $(UNIT_SRC) $(OBJ)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $^ $(PKG_LIBS) -lcriterion -o $@

$(B)/test-integration: $(INT_SRC) $(OBJ) $(wildcard tests/support/*.h)
	$(CC) $(CFLAGS) -Itests/support $(PKG_CFLAGS) $(filter %.c %.o,$^) $(PKG_LIBS) -lcriterion -o $@

# a plain `make` on a fresh clone: the npm assets come from deps.sh
$(HLJS)/%:
	@.tools/deps.sh

$(B)/obj $(B)/gen:
	@mkdir -p $@

run: deps
	@$(MAKE) --no-print-directory all
	@.tools/stack.sh run $(B)/pasted

test: deps
	@$(MAKE) --no-print-directory $(B)/pasted $(B)/test-unit $(B)/test-integration
	@B=$(B) tests/run.sh

test-san:
	@$(MAKE) --no-print-directory test SAN=1

clean:
	rm -rf build build-san

# Performance (tests/bench/): `make bench` measures pasted against nginx and the store's own
# limit (about 10 minutes; BENCH_SECONDS, BENCH_CONNS, BENCH_ONLY... in tests/bench/run.sh);
# `make bench-check` counts instructions per hot raw fetch with callgrind and fails when they
# are more than 10% above tests/bench/baseline.txt.
.PHONY: bench bench-check

bench:
	@$(MAKE) --no-print-directory build/pasted SAN=
	@tests/bench/run.sh

bench-check:
	@$(MAKE) --no-print-directory build/pasted SAN=
	@tests/bench/check.sh
