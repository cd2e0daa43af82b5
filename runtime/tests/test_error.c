/* test_error.c - error texts: the runtime's own, libuv's, the C library's
 * for other errnos, and a static text for codes that are none of these;
 * never an allocation, from any thread. */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <uv.h>

#include "helpers.h"

START_TEST(error_messages_name_what_happened) {
  ck_assert_str_eq(ac_error_message(0), "success");
  ck_assert_str_eq(ac_error_message(-ECANCELED), "operation cancelled");
  ck_assert_str_eq(ac_error_message(ETIMEDOUT), "timed out");              /* positive accepted */
  ck_assert_str_eq(ac_error_message(-ECONNREFUSED), "connection refused"); /* libuv's */
  ck_assert_str_eq(ac_error_message(UV_EOF), "end of file");
  /* An errno libuv has no text for: the C library's. */
  ck_assert_str_eq(ac_error_message(-EKEYEXPIRED), strerror(EKEYEXPIRED));
}
END_TEST

START_TEST(unknown_error_codes_get_one_static_text) {
  const int codes[] = {-99999, 12345, -4242, -(1 << 30)};
  const char *first = ac_error_message(codes[0]);
  ck_assert_str_eq(first, "unknown error");
  /* 100,000 calls: LeakSanitizer and valgrind would see an allocation each. */
  for (int i = 0; i < 100000; i++) ck_assert_ptr_eq(ac_error_message(codes[i % 4]), first);
}
END_TEST

static void *ask_many(void *arg) {
  (void)arg;
  for (int i = 0; i < 20000; i++) {
    if (strcmp(ac_error_message(-100000 - i), "unknown error") != 0) return "wrong text";
    if (!*ac_error_message(-(i % 140))) return "empty text";
  }
  return NULL;
}

START_TEST(error_messages_are_safe_from_many_threads) {
  pthread_t threads[4];
  for (int i = 0; i < 4; i++)
    ck_assert_int_eq(pthread_create(&threads[i], NULL, ask_many, NULL), 0);
  for (int i = 0; i < 4; i++) {
    void *problem;
    pthread_join(threads[i], &problem);
    ck_assert_msg(problem == NULL, "thread %d: %s", i, (const char *)problem);
  }
}
END_TEST

Suite *test_suite(void) {
  Suite *s = suite_create("error");
  ADD_TEST(s, error_messages_name_what_happened);
  ADD_TEST(s, unknown_error_codes_get_one_static_text);
  ADD_TEST(s, error_messages_are_safe_from_many_threads);
  return s;
}
