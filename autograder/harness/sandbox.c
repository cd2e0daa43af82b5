/* sandbox.c - the seccomp filters the test process runs under (see
 * sandbox.h for what they allow).
 *
 * Two filters, both inherited by every thread and child:
 * - libseccomp's, for the calls denied outright or by their arguments;
 * - a small one written here, for the two rules libseccomp cannot express:
 *   a write to the channel is allowed from one instruction pointer only,
 *   and a call that changes memory protection or mappings may not start
 *   inside the test program's own image (two comparisons on one argument).
 */
#define _GNU_SOURCE
#include "sandbox.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <link.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define GRADE_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GRADE_SANITIZED 1
#endif
#endif
#ifndef GRADE_SANITIZED
#define GRADE_SANITIZED 0
#endif

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the sandbox's filter reads 64-bit arguments as two little-endian words"
#endif

/* ---- the channel's one writer ------------------------------------------ */

#define STR_(x) #x
#define STR(x) STR_(x)

/* grade_channel_write_ip is the instruction after the system call: the
 * instruction pointer seccomp sees. Hidden, so -rdynamic does not export it. */
#if defined(__x86_64__)
__asm__(".text\n"
        ".globl grade_channel_write\n"
        ".hidden grade_channel_write\n"
        ".type grade_channel_write, @function\n"
        "grade_channel_write:\n"
        "  mov $" STR(__NR_write) ", %eax\n"
        "  syscall\n"
        "grade_channel_write_ip:\n"
        "  ret\n"
        ".size grade_channel_write, .-grade_channel_write\n");
#elif defined(__aarch64__)
__asm__(".text\n"
        ".globl grade_channel_write\n"
        ".hidden grade_channel_write\n"
        ".type grade_channel_write, %function\n"
        "grade_channel_write:\n"
        "  mov x8, #" STR(__NR_write) "\n"
        "  svc #0\n"
        "grade_channel_write_ip:\n"
        "  ret\n"
        ".size grade_channel_write, .-grade_channel_write\n");
#else
#error "the grader's sandbox knows x86-64 and aarch64 only"
#endif
extern const char grade_channel_write_ip[] __asm__("grade_channel_write_ip");

/* ---- names for the message a denied call prints ------------------------- */

enum { NAMES_MAX = 96 };
struct name {
  int nr;
  const char *name;
};
static struct name names[NAMES_MAX];
static int n_names;

static void remember(int nr, const char *name) {
  if (n_names < NAMES_MAX) names[n_names++] = (struct name){nr, name};
}

static void say(const char *s) { (void)!write(STDERR_FILENO, s, strlen(s)); }

/* SIGSYS from a denied call: say which, then die of SIGSYS (the handler is
 * reset and SIGSYS not blocked, so raise() ends the process). The call
 * itself never ran, so an exercise that replaced this handler gains nothing. */
static void on_denied(int sig, siginfo_t *info, void *uc) {
  (void)sig, (void)uc;
  const char *name = "a system call";
  for (int i = 0; i < n_names; i++)
    if (names[i].nr == info->si_syscall) name = names[i].name;
  say("grade: the grader's sandbox stopped the test: it called ");
  say(name);
  say("(), which a test of this exercise may not (see \"What a test can and cannot do\" in "
      "autograder/README.md)\n");
  raise(SIGSYS);
}

/* ---- libseccomp's filter ------------------------------------------------ */

static int deny(scmp_filter_ctx ctx, uint32_t action, const char *call, unsigned n,
                const struct scmp_arg_cmp *args) {
  int nr = seccomp_syscall_resolve_name(call);
  if (nr == __NR_SCMP_ERROR) return 0; /* not on this processor */
  remember(nr, call);
  return seccomp_rule_add_array(ctx, action, nr, n, args);
}

static int deny_all(scmp_filter_ctx ctx, uint32_t action, const char *const *calls) {
  int rc = 0;
  for (; *calls && rc == 0; calls++) rc = deny(ctx, action, *calls, 0, NULL);
  return rc;
}

/* Descriptors, options and domains are ints: the kernel reads only the low
 * 32 bits, so the high ones must not make a difference here either. */
#define INT_IS(i, v) SCMP_CMP(i, SCMP_CMP_MASKED_EQ, 0xffffffffu, (uint32_t)(v))
#define BIT_SET(i, bit) SCMP_CMP(i, SCMP_CMP_MASKED_EQ, (bit), (bit))
#define BIT_CLEAR(i, bit) SCMP_CMP(i, SCMP_CMP_MASKED_EQ, (bit), 0)

static int library_filter(int channel, unsigned allow) {
  /* Ways to reach another process's memory or the kernel's insides. */
  static const char *const never[] = {
      "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp",
      "memfd_create",     "unshare",           "setns",       "mount",
      "umount2",          "pivot_root",        "chroot",      "bpf",
      "perf_event_open",  "userfaultfd",       "keyctl",      "add_key",
      "request_key",      "open_by_handle_at", NULL};
  /* LeakSanitizer stops the threads with ptrace from a helper that sets the
   * process dumpable again: under the sanitizers both stay allowed. */
  static const char *const unless_sanitized[] = {"ptrace", NULL};
  static const char *const unless_spawn[] = {"execve", "execveat", "fork", "vfork", NULL};
  /* Calls that would write, copy or change the channel: by argument index. */
  static const char *const on_channel[3][16] = {
      {"writev", "pwrite64", "pwritev", "pwritev2", "sendto", "sendmsg", "sendmmsg", "sendfile",
       "vmsplice", "ftruncate", "fcntl", "dup", "dup2", "dup3", NULL},
      {"tee", NULL},
      {"splice", "copy_file_range", NULL}};

  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!ctx) return -ENOMEM;
  int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
  if (rc == 0) rc = deny_all(ctx, SCMP_ACT_TRAP, never);
  if (rc == 0 && !GRADE_SANITIZED) rc = deny_all(ctx, SCMP_ACT_TRAP, unless_sanitized);
  if (rc == 0 && !GRADE_SANITIZED) {
    const struct scmp_arg_cmp dumpable[] = {INT_IS(0, PR_SET_DUMPABLE)};
    rc = deny(ctx, SCMP_ACT_TRAP, "prctl", 1, dumpable);
  }
  for (int arg = 0; arg < 3 && rc == 0; arg++)
    for (const char *const *call = on_channel[arg]; *call && rc == 0; call++) {
      const struct scmp_arg_cmp fd[] = {INT_IS(arg, channel)};
      rc = deny(ctx, SCMP_ACT_TRAP, *call, 1, fd);
    }
  /* Memory made executable: code the object check never saw. A file mapped
   * executable (a library, or the program a child runs) stays allowed. */
  if (rc == 0) {
    const struct scmp_arg_cmp exec[] = {BIT_SET(2, PROT_EXEC)};
    rc = deny(ctx, SCMP_ACT_TRAP, "mprotect", 1, exec);
    if (rc == 0) rc = deny(ctx, SCMP_ACT_TRAP, "pkey_mprotect", 1, exec);
    const struct scmp_arg_cmp anon_exec[] = {BIT_SET(2, PROT_EXEC), BIT_SET(3, MAP_ANONYMOUS)};
    if (rc == 0) rc = deny(ctx, SCMP_ACT_TRAP, "mmap", 2, anon_exec);
  }
  /* io_uring would do all of the above without a system call seccomp sees;
   * clone3's flags are behind a pointer. Both have a fallback in libc. */
  if (rc == 0) rc = deny(ctx, SCMP_ACT_ERRNO(ENOSYS), "io_uring_setup", 0, NULL);
  if (rc == 0) rc = deny(ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL);
  if (rc == 0 && !(allow & GRADE_ALLOW_SPAWN)) {
    rc = deny_all(ctx, SCMP_ACT_TRAP, unless_spawn);
    /* clone without CLONE_VM is fork; threads and vfork-style spawns share memory. */
    const struct scmp_arg_cmp fork_flags[] = {BIT_CLEAR(0, CLONE_VM)};
    if (rc == 0) rc = deny(ctx, SCMP_ACT_TRAP, "clone", 1, fork_flags);
    /* A Unix socket can pass the channel on (SCM_RIGHTS) under a new number.
     * An error rather than a stop: libc asks nscd through one and copes. */
    const struct scmp_arg_cmp unix_domain[] = {INT_IS(0, AF_UNIX)};
    if (rc == 0) rc = deny(ctx, SCMP_ACT_ERRNO(EACCES), "socket", 1, unix_domain);
    if (rc == 0) rc = deny(ctx, SCMP_ACT_ERRNO(EACCES), "socketpair", 0, NULL);
  }
  if (rc == 0) rc = seccomp_load(ctx); /* also sets no_new_privs */
  seccomp_release(ctx);
  return rc;
}

/* ---- the filter written here -------------------------------------------- */

/* A tiny assembler: jumps name their targets, resolved once all is emitted. */
enum label { NEXT, ALLOW, TRAP, MEMORY, START, MREMAP, MREMAP_TO, IN, IN_OLD, IN_NEW, N_LABELS };
enum { PROG_MAX = 64 };
struct prog {
  struct sock_filter ins[PROG_MAX];
  unsigned char jt[PROG_MAX], jf[PROG_MAX];
  int n, at[N_LABELS];
};

static void emit(struct prog *p, struct sock_filter ins, enum label t, enum label f) {
  p->ins[p->n] = ins;
  p->jt[p->n] = t;
  p->jf[p->n] = f;
  p->n++;
}
static void load(struct prog *p, size_t offset) {
  emit(p, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)offset), NEXT, NEXT);
}
static void ret(struct prog *p, uint32_t action) {
  emit(p, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, action), NEXT, NEXT);
}
static void jump(struct prog *p, uint16_t op, uint32_t k, enum label t, enum label f) {
  emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | op | BPF_K, k, 0, 0), t, f);
}
static void mark(struct prog *p, enum label l) { p->at[l] = p->n; }
static void resolve(struct prog *p) {
  for (int i = 0; i < p->n; i++) {
    if (BPF_CLASS(p->ins[i].code) != BPF_JMP) continue;
    p->ins[i].jt = p->jt[i] == NEXT ? 0 : (uint8_t)(p->at[p->jt[i]] - i - 1);
    p->ins[i].jf = p->jf[i] == NEXT ? 0 : (uint8_t)(p->at[p->jf[i]] - i - 1);
  }
}

/* seccomp_data's fields as 32-bit words (little-endian). */
#define LO(field) offsetof(struct seccomp_data, field)
#define HI(field) (offsetof(struct seccomp_data, field) + 4)

/* The test program's own image (its code, Check's, the GOT): the first
 * entry dl_iterate_phdr() reports. */
struct range {
  uint64_t start, end;
};
static int find_image(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  struct range *r = data;
  r->start = UINT64_MAX;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD) continue;
    uint64_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
    if (lo < r->start) r->start = lo;
    if (hi > r->end) r->end = hi;
  }
  r->start &= ~(uint64_t)4095;
  return 1;
}

/* Go to TRAP if the 64-bit argument at OFFSET lies in R, else to OUTSIDE
 * (high words compared first, then low words; INSIDE names the midpoint). */
static void in_range(struct prog *p, size_t offset, struct range r, enum label inside,
                     enum label outside) {
  load(p, offset + 4);
  jump(p, BPF_JGT, (uint32_t)(r.start >> 32), inside, NEXT);
  jump(p, BPF_JEQ, (uint32_t)(r.start >> 32), NEXT, outside);
  load(p, offset);
  jump(p, BPF_JGE, (uint32_t)r.start, inside, outside);
  mark(p, inside); /* >= start; now < end? */
  load(p, offset + 4);
  jump(p, BPF_JGT, (uint32_t)(r.end >> 32), outside, NEXT);
  jump(p, BPF_JEQ, (uint32_t)(r.end >> 32), NEXT, TRAP);
  load(p, offset);
  jump(p, BPF_JGE, (uint32_t)r.end, outside, TRAP);
}

static int own_filter(int channel) {
  static const struct name memory_calls[] = {{__NR_mprotect, "mprotect"},
                                             {__NR_pkey_mprotect, "pkey_mprotect"},
                                             {__NR_munmap, "munmap"},
                                             {__NR_mmap, "mmap"}};
  enum { N_MEMORY = sizeof memory_calls / sizeof memory_calls[0] };
  struct range image = {0, 0};
  dl_iterate_phdr(find_image, &image);
  uint64_t ip = (uintptr_t)grade_channel_write_ip;
  struct prog p = {.n = 0};

  load(&p, LO(arch));
  jump(&p, BPF_JEQ, seccomp_arch_native(), NEXT, ALLOW); /* libseccomp's filter stops the rest */
  load(&p, LO(nr));
  /* write(channel, ...) from anywhere but grade_channel_write() */
  jump(&p, BPF_JEQ, __NR_write, NEXT, MEMORY);
  load(&p, LO(args[0]));
  jump(&p, BPF_JEQ, (uint32_t)channel, NEXT, ALLOW);
  load(&p, LO(instruction_pointer));
  jump(&p, BPF_JEQ, (uint32_t)ip, NEXT, TRAP);
  load(&p, HI(instruction_pointer));
  jump(&p, BPF_JEQ, (uint32_t)(ip >> 32), ALLOW, TRAP);
  /* a change of protection or mapping that starts inside the image, or an
   * mremap() that moves a mapping there */
  mark(&p, MEMORY);
  jump(&p, BPF_JEQ, __NR_mremap, MREMAP, NEXT);
  for (int i = 0; i < N_MEMORY; i++) {
    jump(&p, BPF_JEQ, (uint32_t)memory_calls[i].nr, START, i + 1 < N_MEMORY ? NEXT : ALLOW);
    remember(memory_calls[i].nr, memory_calls[i].name);
  }
  mark(&p, START);
  in_range(&p, LO(args[0]), image, IN, ALLOW);
  mark(&p, MREMAP);
  in_range(&p, LO(args[0]), image, IN_OLD, MREMAP_TO);
  mark(&p, MREMAP_TO);
  in_range(&p, LO(args[4]), image, IN_NEW, ALLOW);
  mark(&p, ALLOW);
  ret(&p, SECCOMP_RET_ALLOW);
  mark(&p, TRAP);
  ret(&p, SECCOMP_RET_TRAP);
  resolve(&p);

  struct sock_fprog prog = {.len = (unsigned short)p.n, .filter = p.ins};
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog) != 0)
    return -errno;
  return 0;
}

int grade_sandbox_enter(int channel, unsigned allow) {
  struct sigaction sa = {.sa_sigaction = on_denied,
                         .sa_flags = SA_SIGINFO | SA_RESETHAND | SA_NODEFER};
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGSYS, &sa, NULL) != 0) return -errno;
  remember(__NR_write, "write");
  remember(__NR_mremap, "mremap");
  /* Not dumpable: /proc/self/mem and /proc/self/environ belong to root now. */
  if (prctl(PR_SET_DUMPABLE, 0) != 0) return -errno;
  int rc = library_filter(channel, allow);
  return rc ? rc : own_filter(channel);
}
