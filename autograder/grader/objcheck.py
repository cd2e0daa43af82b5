"""What the learner's object file may contain, checked before it is linked.
Every fact comes from a tool: nm for the symbols it defines and calls,
objdump for its instructions, readelf for its sections, and the compiler
(gcc -aux-info) for the functions the exercise's header declares.

- it defines only what the header declares (helpers are static), so it
  cannot replace a function of Check, the runtime or the harness;
- it calls only the runtime's API, the C library's memory, string,
  formatting, time and maths functions, and what its chapter provides
  (support/) or the earlier exercises it uses declare: nothing that reaches descriptors,
  processes, signals, memory mappings, the program's control flow (exit,
  longjmp), nor Check's or the harness's insides;
- it has no system-call instruction and no code that runs before or after
  main (constructors, destructors).

The sandbox (autograder/harness/sandbox.c) holds the same line at run time
for whatever gets past this list."""
import os
import re
import subprocess
import tempfile

# The C library functions an exercise may call, by name. A function that
# takes a descriptor, a path or a process has no place here: the runtime's
# ac_* API is how an exercise does I/O.
LIBC = set("""
malloc calloc realloc reallocarray free aligned_alloc posix_memalign
memcpy memmove memset memcmp memchr strlen strnlen strcmp strncmp strcpy strncpy stpcpy
strcat strncat strchr strrchr strstr strdup strndup strtok strtok_r strspn strcspn strpbrk
strcasecmp strncasecmp strerror strerror_r
printf fprintf vprintf vfprintf sprintf snprintf vsprintf vsnprintf asprintf vasprintf
puts fputs putchar fputc putc fwrite fflush perror stdout stderr
atoi atol atoll strtol strtoul strtoll strtoull strtod strtof sscanf __isoc99_sscanf
abs labs llabs div ldiv qsort bsearch rand srand rand_r
__ctype_b_loc __ctype_tolower_loc __ctype_toupper_loc tolower toupper
__errno_location __assert_fail abort __stack_chk_fail
clock_gettime clock time difftime gettimeofday nanosleep usleep sleep localtime_r gmtime_r strftime
poll
sqrt sqrtf pow fabs floor ceil round lround trunc fmin fmax fmod log log2 log10 exp
pthread_mutex_init pthread_mutex_lock pthread_mutex_trylock pthread_mutex_unlock pthread_mutex_destroy
pthread_cond_init pthread_cond_wait pthread_cond_timedwait pthread_cond_signal pthread_cond_broadcast
pthread_cond_destroy pthread_once pthread_self pthread_equal
""".split())
ALLOWED_PREFIXES = ("__atomic_",)  # the compiler's calls into libatomic
LINKER = {"_GLOBAL_OFFSET_TABLE_"}  # what position-independent code refers to
INIT_SECTIONS = (".init_array", ".ctors", ".preinit_array", ".fini_array", ".dtors")
# Instructions that enter the kernel directly (x86-64, i386 ABI, aarch64).
SYSCALL_INSNS = {"syscall", "sysenter", "int", "svc", "hvc", "smc"}


class ObjectError(Exception):
    """The object breaks a rule; the message says which, for the learner."""


def _run(*cmd):
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


def _symbols(obj, *flags):
    out = _run("nm", *flags, "--format=posix", obj)
    return {line.split()[0] for line in out.splitlines() if line.strip()}


def may_call(name):
    if name.startswith("ac_") and not name.startswith("ac__"):
        return True  # the runtime's public API
    base = re.fullmatch(r"__(\w+)_chk", name)  # _FORTIFY_SOURCE's checked variants
    return name in LIBC or name in LINKER or (base is not None and base.group(1) in LIBC) or name.startswith(ALLOWED_PREFIXES)


def declared_functions(header, cflags):
    """The functions HEADER declares (not its static inline helpers), as
    the compiler reads them: gcc's -aux-info, whatever CC is (clang has no
    such option; build-essential brings gcc)."""
    with tempfile.TemporaryDirectory(prefix="grade-aux-") as tmp:
        probe, info = os.path.join(tmp, "probe.c"), os.path.join(tmp, "decls.txt")
        with open(probe, "w") as f:
            f.write(f'#include "{os.path.abspath(header)}"\n')
        subprocess.run(["gcc", *cflags, "-fsyntax-only", f"-aux-info={info}", probe],
                       capture_output=True, text=True, check=True)
        with open(info) as f:
            lines = f.read().splitlines()
    names, real = set(), os.path.realpath(header)
    for line in lines:  # /* FILE:LINE:FLAGS */ extern int add (int, int);
        m = re.match(r"/\* (.+):\d+:\w+ \*/ extern .*?(\w+) \(", line)
        if m and os.path.realpath(m.group(1)) == real:
            names.add(m.group(2))
    return names


def _syscall_instructions(obj):
    found = set()
    for line in _run("objdump", "-d", "--no-show-raw-insn", obj).splitlines():
        m = re.match(r"\s*[0-9a-f]+:\s+(\S+)", line)
        if m and m.group(1) in SYSCALL_INSNS:
            found.add(m.group(1))
    return found


def check(obj, header, rel_src, cflags, also_callable=frozenset()):
    """Raise ObjectError if OBJ (compiled from REL_SRC) breaks a rule.
    ALSO_CALLABLE: functions it may call besides (what its chapter provides
    in support/, the earlier exercises it uses)."""
    sections = _run("readelf", "-S", "-W", obj)
    if any(sec in sections for sec in INIT_SECTIONS):
        raise ObjectError(f"{rel_src}: code that runs before or after main() (a constructor or "
                          "destructor) is not allowed in an exercise")
    extra = _symbols(obj, "--defined-only", "-g") - declared_functions(header, cflags)
    if extra:
        raise ObjectError(f"{rel_src} defines {', '.join(sorted(extra))}, which the exercise does not "
                          "ask for: make your helper functions and variables static")
    banned = sorted(n for n in _symbols(obj, "--undefined-only") if not may_call(n) and n not in also_callable)
    if banned:
        raise ObjectError(f"{rel_src} calls {', '.join(banned)}, which an exercise may not use: it may "
                          "call the runtime's ac_* functions, the C library's memory, string, "
                          "formatting, time and maths functions, and what its chapter provides")
    insns = _syscall_instructions(obj)
    if insns:
        raise ObjectError(f"{rel_src} makes system calls itself ({', '.join(sorted(insns))} "
                          "instruction): an exercise reaches the system through the runtime")
