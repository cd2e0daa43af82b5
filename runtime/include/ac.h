/* ac.h - the Async C runtime: the one header a program includes.
 *
 * Every public name starts with ac_ (functions, types) or AC_ (macros and
 * constants). Functions return 0 (or a count) on success and a negative errno
 * on failure, as libuv does; ac_error_message() turns a code into text.
 */
#ifndef AC_H
#define AC_H

#include "ac/base.h"
#include "ac/loop.h"
#include "ac/future.h"
#include "ac/task.h"
#include "ac/combinators.h"
#include "ac/sync.h"
#include "ac/executor.h"
#include "ac/debug.h"
#include "ac/stream.h"
#include "ac/signal.h"
#include "ac/process.h"
#include "ac/http.h"
#include "ac/redis.h"
#include "ac/testing.h"

#endif /* AC_H */
