# Single Online Home. `make build` builds all 43 sites; `make test` runs every test.
# Both install what they need first (Debian packages through apt-get when missing).

SWIFT ?= swift
SOH_RELEASE := .build/release/soh
APT_PACKAGES := libcmark-gfm-dev libcmark-gfm-extensions-dev libyaml-dev pkg-config

.PHONY: build test deps release debug clean help

help:
	@echo "make build   install what is missing, build soh (release) and all force sites into public/"
	@echo "make test    install what is missing, run every test"
	@echo "make clean   remove build products and public/"

## System libraries: cmark-gfm and libyaml, found through pkg-config.
deps:
	@if ! pkg-config --exists libcmark-gfm yaml-0.1 2>/dev/null || ! [ -f /usr/include/cmark-gfm-core-extensions.h ]; then \
	  echo "Installing $(APT_PACKAGES) with apt-get"; \
	  SUDO=; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(APT_PACKAGES); \
	fi

release: deps
	$(SWIFT) build -c release --product soh

build: release
	$(SOH_RELEASE) build

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

clean:
	rm -rf .build public
