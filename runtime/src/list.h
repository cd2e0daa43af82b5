/* list.h - an intrusive, circular, doubly linked list (as in the Linux kernel):
 * O(1) insert and remove with no allocation, so a waiter can unlink itself. */
#ifndef AC_LIST_H
#define AC_LIST_H

#include <stddef.h>

typedef struct ac__list {
  struct ac__list *next, *prev;
} ac__list;

#define AC__CONTAINER(ptr, type, field) ((type *)(void *)((char *)(ptr)-offsetof(type, field)))

static inline void ac__list_init(ac__list *head) { head->next = head->prev = head; }

static inline int ac__list_empty(const ac__list *head) { return head->next == head; }

/* A node that is in no list points at itself, so removing twice is harmless. */
static inline void ac__list_remove(ac__list *node) {
  node->prev->next = node->next;
  node->next->prev = node->prev;
  node->next = node->prev = node;
}

static inline void ac__list_push_back(ac__list *head, ac__list *node) {
  node->prev = head->prev;
  node->next = head;
  head->prev->next = node;
  head->prev = node;
}

#endif /* AC_LIST_H */
