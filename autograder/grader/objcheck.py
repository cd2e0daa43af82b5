"""What the learner's object file may contain, checked before it is linked.
Every fact comes from a tool: nm for the symbols it defines and calls,
objdump for its instructions, readelf for its sections, and the compiler
(gcc -aux-info) for the functions the exercise's header declares.

- it defines only what the header declares (helpers are static), so it
  cannot replace a function of Check, the runtime or the harness;
- it calls only the runtime's API, the C library's memory, string,
  formatting, time and maths functions, what its chapter provides
  (support/) or the earlier exercises it uses declare, and the pure-memory
  functions of the libraries the exercise links with (JSON): nothing that
  reaches descriptors, processes, signals, memory mappings, the program's
  control flow (exit, longjmp), nor Check's or the harness's insides;
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
# The functions of a library an exercise links with (its manifest's
# `packages`) that it may call: only those that work on memory, none that
# opens a file, takes a descriptor, or installs a function of its own.
PACKAGE_CALLS = {
    "jansson": set("""
json_object json_array json_string json_stringn json_string_nocheck json_stringn_nocheck
json_integer json_real json_true json_false json_null json_delete
json_object_size json_object_get json_object_getn json_object_set_new json_object_setn_new
json_object_set_new_nocheck json_object_setn_new_nocheck json_object_del json_object_deln
json_object_clear json_object_update json_object_update_existing json_object_update_missing
json_object_update_recursive json_object_iter json_object_iter_at json_object_iter_next
json_object_iter_key json_object_iter_key_len json_object_iter_value json_object_iter_set_new
json_object_key_to_iter
json_array_size json_array_get json_array_set_new json_array_append_new json_array_insert_new
json_array_remove json_array_clear json_array_extend
json_string_value json_string_length json_string_set json_string_setn json_string_set_nocheck
json_string_setn_nocheck json_integer_value json_integer_set json_real_value json_real_set
json_number_value json_equal json_copy json_deep_copy
json_loads json_loadb json_dumps json_dumpb json_pack json_pack_ex json_vpack_ex json_unpack
json_unpack_ex json_vunpack_ex json_sprintf json_vsprintf
""".split()),
    # SQLite on a connection already open (support/db.h opens and closes
    # them): statements, their values, messages, and the progress handler
    # that lets a long statement stop early.
    "sqlite3": set("""
sqlite3_prepare_v2 sqlite3_prepare_v3 sqlite3_finalize sqlite3_reset sqlite3_clear_bindings
sqlite3_step sqlite3_bind_int sqlite3_bind_int64 sqlite3_bind_double sqlite3_bind_text
sqlite3_bind_null sqlite3_bind_parameter_count sqlite3_bind_parameter_index
sqlite3_column_count sqlite3_column_type sqlite3_column_int sqlite3_column_int64
sqlite3_column_double sqlite3_column_text sqlite3_column_bytes sqlite3_column_name
sqlite3_errmsg sqlite3_errcode sqlite3_extended_errcode sqlite3_errstr sqlite3_changes
sqlite3_progress_handler sqlite3_interrupt sqlite3_db_handle sqlite3_threadsafe
""".split()),
    # zlib's streams and one-shot calls, all on memory.
    "zlib": set("""
deflateInit_ deflateInit2_ deflate deflateEnd deflateBound deflateReset
inflateInit_ inflateInit2_ inflate inflateEnd inflateReset
compress compress2 compressBound uncompress uncompress2 crc32 adler32 zError
""".split()),
}
# What a learner's test file (an exercise of kind "tests") calls besides:
# Check's calls that build a suite and fail a test, and the harness's
# GRADE_ADD. Not the runner (srunner_*), which would run tests of its own.
TEST_FILE_CALLS = set("""
tcase_create tcase_add_unchecked_fixture _tcase_add_test suite_add_tcase tcase_fn_start
_ck_assert_failed _mark_point grade_before_test grade_after_test grade_case_added
""".split())
# What a learner's test file may not call although other exercises may:
# the calls that read files or run programs (ac_http_fetch speaks file://
# when asked to). A test must tell a right component from a broken copy by
# what it does, not by reading the program it was built into; and its
# exercise_tests() runs before the sandbox is entered.
TEST_FILE_REFUSED = ("ac_http_", "ac_process_")
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


def may_call(name, provided=frozenset()):
    if name.startswith("ac_") and not name.startswith("ac__"):
        return True  # the runtime's public API
    if name in provided:
        return True  # the chapter's support code, a library's memory functions
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


def check(obj, header, rel_src, cflags, also_callable=frozenset(), packages=(), test_file=False):
    """Raise ObjectError if OBJ (compiled from REL_SRC) breaks a rule.
    ALSO_CALLABLE: functions it may call besides (what its chapter provides
    in support/, the earlier exercises it uses); it may call the functions
    PACKAGE_CALLS lists for its PACKAGES too, and TEST_FILE_CALLS if it is
    a learner's test file."""
    sections = _run("readelf", "-S", "-W", obj)
    if any(sec in sections for sec in INIT_SECTIONS):
        raise ObjectError(f"{rel_src}: code that runs before or after main() (a constructor or "
                          "destructor) is not allowed in an exercise")
    extra = _symbols(obj, "--defined-only", "-g") - declared_functions(header, cflags)
    if extra:
        raise ObjectError(f"{rel_src} defines {', '.join(sorted(extra))}, which the exercise does not "
                          "ask for: make your helper functions and variables static")
    provided = set(also_callable).union(*(PACKAGE_CALLS.get(p, set()) for p in packages))
    if test_file:
        provided |= TEST_FILE_CALLS
    banned = sorted(n for n in _symbols(obj, "--undefined-only")
                    if not may_call(n, provided) or (test_file and n.startswith(TEST_FILE_REFUSED)))
    if banned:
        besides = (", what its chapter provides"
                   + (f" and the memory functions of {', '.join(packages)}" if packages else "")) \
            if provided else ""
        if test_file:
            besides += (", Check's calls that build a suite and fail a test, but not the runtime's "
                        "ac_http_* and ac_process_* (a test tells a component by what it does)")
        raise ObjectError(f"{rel_src} calls {', '.join(banned)}, which an exercise may not use: it may "
                          "call the runtime's ac_* functions and the C library's memory, string, "
                          f"formatting, time and maths functions{besides}")
    insns = _syscall_instructions(obj)
    if insns:
        raise ObjectError(f"{rel_src} makes system calls itself ({', '.join(sorted(insns))} "
                          "instruction): an exercise reaches the system through the runtime")
