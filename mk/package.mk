# Included by the Makefile: the version, the quiet build, the check for
# missing libraries, the man page, install/uninstall and dist.

# ---- the version, from one place.
# In a git checkout: git describe of the release tags (vX.Y, printed
# without the v); in a tarball from `make dist`: its VERSION file.
# debian/changelog's top entry is the release tag's X.Y (docs/HACKING.md).
ifneq ($(wildcard .git),)
VERSION := $(shell git describe --tags --always --dirty --match 'v[0-9]*' 2>/dev/null | sed 's/^v//')
SRCDATE := $(shell git log -1 --format=%ct 2>/dev/null)
else
VERSION := $(shell cat VERSION 2>/dev/null)
SRCDATE := $(shell stat -c %Y VERSION 2>/dev/null)
endif
VERSION := $(or $(VERSION),unknown)
# The man page's date: dpkg-buildpackage's SOURCE_DATE_EPOCH, else the
# commit's (git) or the tarball's (VERSION's mtime, set by git archive).
DATE := $(shell date -u -d @$(or $(SOURCE_DATE_EPOCH),$(SRCDATE),$(shell date +%s)) +%Y-%m-%d)

# ---- quiet build: "  CC src/x.c", "  LD build/iptables-trace"; V=1
# prints the whole command lines.
V ?= 0
ifeq ($(V),1)
Q :=
quiet =
else
Q := @
quiet = @printf '  %-4s %s\n' '$(1)' '$(2)';
MAKEFLAGS += --no-print-directory
endif

# ---- missing libraries: name the Debian package instead of failing on
# a missing header. Only for goals that build here; check, demo and
# bench run `make deps` first and check in their own sub-make.
NOLIB_GOALS := clean deps uninstall dist version check demo bench
ifneq ($(if $(MAKECMDGOALS),$(filter-out $(NOLIB_GOALS),$(MAKECMDGOALS)),all),)
debpkg = $(or $(word 2,$(subst :, ,$(filter $(1):%,$(DEBPKGS)))),$(1)-dev)
DEBPKGS := libmnl:libmnl-dev libnftnl:libnftnl-dev libnftables:libnftables-dev \
	libpcap:libpcap-dev libnetfilter_log:libnetfilter-log-dev \
	libnetfilter_conntrack:libnetfilter-conntrack-dev jansson:libjansson-dev \
	cmocka:libcmocka-dev
NEEDED := $(PKGS) $(if $(filter unit asan,$(MAKECMDGOALS)),cmocka)
MISSING := $(if $(shell command -v pkg-config),$(shell for p in $(NEEDED); do \
	pkg-config --exists $$p || echo $$p; done),pkg-config)
ifneq ($(MISSING),)
$(foreach p,$(MISSING),$(info Makefile: missing $(p) (install $(if \
	$(filter pkg-config,$(p)),pkg-config,$(call debpkg,$(p))), or run: make deps)))
$(error cannot build without $(MISSING))
endif
endif

# ---- the version header: rewritten only when its text changes, so that
# a new commit recompiles cli.c alone. The library versions are the ones
# pkg-config reports at build time.
LIBVERSIONS := $(shell for p in $(PKGS); do \
	printf '%s %s, ' $$p "$$(pkg-config --modversion $$p 2>/dev/null || echo '?')"; done | \
	sed 's/, $$//')
$(BUILD)/version.h: FORCE | $(BUILD)/obj
	@printf '#define IPTT_VERSION "%s"\n#define IPTT_LIBVERSIONS "%s"\n' \
		'$(VERSION)' '$(LIBVERSIONS)' >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
$(BUILD)/obj/cli.o: $(BUILD)/version.h
$(BUILD)/obj/cli.o: CPPFLAGS += -I$(BUILD)

# The man page with the version and date in its .TH line.
$(MAN): docs/iptables-trace.8 $(BUILD)/version.h
	$(call quiet,GEN,$@)sed -e 's/@VERSION@/$(VERSION)/g' -e 's/@DATE@/$(DATE)/g' $< >$@

version:
	@echo $(VERSION)

.PHONY: FORCE version install uninstall dist

# ---- install / uninstall, honouring PREFIX and DESTDIR.
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/iptables-trace
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/vendor-completions
INSTALLED := $(SBINDIR)/iptables-trace $(MANDIR)/man8/iptables-trace.8 \
	$(DOCDIR)/json.md $(BASHCOMPDIR)/iptables-trace $(ZSHCOMPDIR)/_iptables-trace

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(DOCDIR) \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 0755 $(BIN) $(DESTDIR)$(SBINDIR)/iptables-trace
	install -m 0644 $(MAN) $(DESTDIR)$(MANDIR)/man8/iptables-trace.8
	install -m 0644 docs/json.md $(DESTDIR)$(DOCDIR)/json.md
	install -m 0644 completion/iptables-trace.bash $(DESTDIR)$(BASHCOMPDIR)/iptables-trace
	install -m 0644 completion/_iptables-trace $(DESTDIR)$(ZSHCOMPDIR)/_iptables-trace

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null || true

# ---- dist: DISTDIR/iptables-trace-VERSION.tar.gz (DISTDIR: build),
# git archive of the working tree's tracked files (HEAD when it is
# clean: git stash create changes nothing) plus the VERSION file.
DISTDIR ?= $(BUILD)
dist:
	@[ -n "$(wildcard .git)" ] || { echo "Makefile: make dist needs a git checkout" >&2; exit 1; }
	$(Q)mkdir -p $(DISTDIR)/dist
	$(Q)echo '$(VERSION)' >$(DISTDIR)/dist/VERSION
	$(Q)tree=$$(git stash create 2>/dev/null); \
	git archive --format=tar.gz --prefix=iptables-trace-$(VERSION)/ \
		--add-file=$(DISTDIR)/dist/VERSION \
		-o $(DISTDIR)/iptables-trace-$(VERSION).tar.gz $${tree:-HEAD}
	$(Q)rm -r $(DISTDIR)/dist
	@echo $(DISTDIR)/iptables-trace-$(VERSION).tar.gz
