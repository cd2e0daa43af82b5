/* sandbox.h - what the test process may still do once its test starts.
 *
 * grade_sandbox_enter() is called right before a test's body runs (from the
 * fixture GRADE_ADD attaches). From then on, in every thread and in every
 * process started from this one:
 *
 * - the grader's channel can be written only by grade_channel_write(), the
 *   one system-call instruction the kernel lets through for it (seccomp
 *   checks the instruction pointer); no other code can write it, copy it to
 *   another descriptor or change it;
 * - the process cannot read or write its own memory through /proc, trace
 *   or be traced, make memory executable, or change the protection or the
 *   mappings of the test program's own image (its GOT included);
 * - without GRADE_ALLOW_SPAWN it cannot run programs or fork (threads are
 *   fine), nor use Unix sockets (which could pass the channel on).
 *
 * A forbidden call stops the process with SIGSYS after one line on stderr
 * naming the call.
 */
#ifndef GRADE_SANDBOX_H
#define GRADE_SANDBOX_H

#include <stddef.h>

enum {
  GRADE_ALLOW_SPAWN = 1 << 0, /* execve, fork, Unix sockets: running programs */
};

/* Lock the process down; CHANNEL is the descriptor of the grader's channel.
 * Returns 0, or a negative errno if the kernel refused the filter. */
int grade_sandbox_enter(int channel, unsigned allow);

/* write(2) on the channel through the one instruction allowed to. */
long grade_channel_write(int fd, const void *buf, size_t n);

#endif /* GRADE_SANDBOX_H */
