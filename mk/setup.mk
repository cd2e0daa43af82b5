# `make deps`: install missing system packages. Every build target depends on
# the stamp below, so a fresh machine needs no other set-up step.
DEPS_LISTS := scripts/packages.txt $(wildcard scripts/packages-*.txt)
DEPS_STAMP := build/.deps-$(shell cat $(DEPS_LISTS) 2>/dev/null | cksum | cut -d' ' -f1)

.PHONY: deps
deps: $(DEPS_STAMP)

$(DEPS_STAMP): $(DEPS_LISTS) scripts/deps.sh
	@for list in $(DEPS_LISTS); do bash scripts/deps.sh $$list || exit 1; done
	@mkdir -p build && rm -f build/.deps-* && touch $@

# Flags of the libraries, asked of pkg-config once they are installed.
PKG_MK := build/pkg.mk
# And each chapter's: the libraries its exercises link with (for its examples).
CH_LIBS_MK := build/chapter-libs.mk
ifeq ($(filter-out help clean deps,$(or $(MAKECMDGOALS),all)),)
else
-include $(PKG_MK) $(CH_LIBS_MK)
endif
$(CH_LIBS_MK): $(DEPS_STAMP) $(wildcard chapters/*/chapter.toml) scripts/chapter_libs.py
	@/usr/bin/python3 scripts/chapter_libs.py $@
$(PKG_MK): $(DEPS_STAMP) mk/setup.mk
	@{ echo "UV_CFLAGS := $$($(PKG_CONFIG) --cflags libuv)"; \
	   echo "UV_LIBS := $$($(PKG_CONFIG) --libs libuv)"; \
	   echo "CURL_CFLAGS := $$($(PKG_CONFIG) --cflags libcurl)"; \
	   echo "CURL_LIBS := $$($(PKG_CONFIG) --libs libcurl)"; \
	   echo "HIREDIS_CFLAGS := $$($(PKG_CONFIG) --cflags hiredis)"; \
	   echo "HIREDIS_LIBS := $$($(PKG_CONFIG) --libs hiredis)"; \
	   echo "CHECK_CFLAGS := $$($(PKG_CONFIG) --cflags check)"; \
	   echo "CHECK_LIBS := $$($(PKG_CONFIG) --libs check)"; \
	   echo "XML_CFLAGS := $$($(PKG_CONFIG) --cflags libxml-2.0)"; \
	   echo "XML_LIBS := $$($(PKG_CONFIG) --libs libxml-2.0)"; \
	   echo "JANSSON_CFLAGS := $$($(PKG_CONFIG) --cflags jansson)"; \
	   echo "JANSSON_LIBS := $$($(PKG_CONFIG) --libs jansson)"; } > $@
