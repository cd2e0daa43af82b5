/* hello.c - two tasks take turns: the smallest complete program on the runtime. */
#include <stdio.h>

#include "ac.h"

static int greeter(void *arg, void **result) {
  const char *who = arg;
  for (int i = 1; i <= 3; i++) {
    printf("%s says hello (%d)\n", who, i);
    int rc = ac_task_sleep(10);
    if (rc < 0) return rc; /* cancelled: stop here */
  }
  *result = (void *)who;
  return 0;
}

static int main_task(void *arg, void **result) {
  (void)arg;
  (void)result;
  ac_task_t *alice, *bob;
  int rc = ac_task_create(&alice, greeter, "alice");
  if (rc < 0) return rc;
  if ((rc = ac_task_create(&bob, greeter, "bob")) < 0) {
    ac_future_release(alice);
    return rc;
  }
  void *a = NULL, *b = NULL;
  int ra = ac_future_await(alice, &a);
  int rb = ac_future_await(bob, &b);
  printf("both done: %s, %s\n", ra == 0 ? (char *)a : ac_error_message(ra),
         rb == 0 ? (char *)b : ac_error_message(rb));
  ac_future_release(alice);
  ac_future_release(bob);
  return 0;
}

int main(void) {
  int rc = ac_loop_run(main_task, NULL, NULL);
  if (rc < 0) {
    fprintf(stderr, "hello: %s\n", ac_error_message(rc));
    return 1;
  }
  return 0;
}
