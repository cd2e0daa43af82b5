# Compiler, flags and the build directory of the chosen variant.
CC ?= cc
SAN ?=
CONTEXT ?= asm
PKG_CONFIG ?= pkg-config

VARIANT := $(notdir $(CC))$(if $(SAN),-$(SAN))$(if $(filter ucontext,$(CONTEXT)),-ucontext)
BUILD := build/$(VARIANT)

CSTD := -std=c11 -D_GNU_SOURCE
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
ifneq ($(CI),)
WARN += -Werror
endif
OPT ?= -O2 -g
CFLAGS_BASE := $(CSTD) $(WARN) $(OPT) -fno-omit-frame-pointer -MMD -MP

ifeq ($(SAN),asan)
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -DAC_SANITIZE_ADDRESS=1
else ifeq ($(SAN),tsan)
SANFLAGS := -fsanitize=thread -DAC_SANITIZE_THREAD=1
else
SANFLAGS :=
endif

# Library flags come from pkg-config once the packages are there: build/pkg.mk
# is made after `make deps`, and make restarts to read it (see mk/setup.mk).

CFLAGS_ALL = $(CFLAGS_BASE) $(SANFLAGS) $(CFLAGS)
LDFLAGS_ALL = $(SANFLAGS) $(LDFLAGS)

# The course's repository has the reference solutions; the learner's
# template (make student-template) does not.
HAVE_SOLUTIONS := $(wildcard solutions/*/exercises)
