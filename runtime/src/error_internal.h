/* error_internal.h - how the runtime reports misuse (error.c). */
#ifndef AC_ERROR_INTERNAL_H
#define AC_ERROR_INTERNAL_H

/* Print "ac: FN: message" (unless quiet) and give back ERR, so misuse
 * is reported where it happens: `return ac__misuse(-EINVAL, __func__, ...)`. */
int ac__misuse(int err, const char *fn, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Whether those reports are printed (ac_error_set_messages, AC_QUIET). */
int ac__misuse_enabled(void);

#endif /* AC_ERROR_INTERNAL_H */
