# Async C: the one entry point. `make help` lists the targets.
#
# Build variants (objects go to build/<variant>/, never next to the sources):
#   make                     the default (debug symbols, -O2, assertions on)
#   make SAN=asan            AddressSanitizer + UndefinedBehaviorSanitizer
#   make SAN=tsan            ThreadSanitizer
#   make CONTEXT=ucontext    task switches through ucontext instead of assembly
#   make CC=clang            any C11 compiler
.DEFAULT_GOAL := all
SHELL := /bin/bash

include mk/config.mk
include mk/setup.mk
include mk/runtime.mk
-include mk/bench.mk
-include mk/grade.mk
-include mk/chapters.mk
-include mk/book.mk
-include mk/lessons.mk
-include mk/fuzz.mk
include mk/quality.mk

.PHONY: all help clean
all: runtime

help:
	@echo "make start          install, build, run the first program, grade the chapter you are on"
	@echo "make test           every test this copy can run (what it leaves out, it names)"
	@echo "make examples       build the chapters' examples (build/<variant>/chapters/...)"
	@echo "make demo           run runtime/examples/hello.c"
	@echo "make grade [CH=NN] [EX=name] [SOLUTIONS=1]   grade exercises"
	@echo "make hint CH=NN EX=name                      show the next hint"
	@echo "make watch [CH=NN]  re-grade whenever an exercise file is saved"
	@echo "make sanitize       runtime tests under ASan+UBSan, then valgrind"
	@echo "make tsan           thread tests under ThreadSanitizer"
	@echo "make bench          benchmarks against libuv, asyncio and uvloop"
	@echo "make fuzz           fuzz the HTTP wrapper chapter 07 provides (FUZZ_SECONDS=600)"
	@echo "make book           the course as a static site, with the whole book as one PDF"
	@echo "make book-pdf       the whole book as one PDF alone (build/book/async-c.pdf)"
	@echo "make listings       write the lessons' listings from the files they show"
	@echo "make diagrams       draw the lessons' diagrams (SVG, committed)"
	@echo "make deps           install the system packages the course needs"

clean:
	rm -rf build
