/* tp_layout.c - checks, when musl is built, the offsets of musl's thread
 * structure that guestlib/libc/tp.h gives each domain's statically
 * initialised TLS block (rt.c): a musl whose layout differs fails to
 * build instead of corrupting a domain's thread structure. */
#include <stddef.h>
#include "pthread_impl.h"
#include "libc.h"
#include "plib_tp.h"

_Static_assert(offsetof(struct pthread, self) == PLIB_TP_SELF, "self");
_Static_assert(offsetof(struct pthread, prev) == PLIB_TP_PREV, "prev");
_Static_assert(offsetof(struct pthread, next) == PLIB_TP_NEXT, "next");
_Static_assert(offsetof(struct pthread, canary) == PLIB_TP_CANARY, "canary");
_Static_assert(offsetof(struct pthread, tid) == PLIB_TP_TID, "tid");
_Static_assert(offsetof(struct pthread, detach_state) == PLIB_TP_DETACH, "detach_state");
_Static_assert(offsetof(struct pthread, robust_list) == PLIB_TP_ROBUST, "robust_list");
_Static_assert(offsetof(struct pthread, locale) == PLIB_TP_LOCALE, "locale");
_Static_assert(offsetof(struct __libc, global_locale) == PLIB_LIBC_GLOBAL_LOCALE, "global_locale");
/* The block's upper half (from PLIB_TLS_SECRET, 0x800) is the run's secret area. */
_Static_assert(sizeof(struct pthread) <= 0x800, "struct pthread fits the lower half of the TLS block");
_Static_assert(DT_JOINABLE == PLIB_TP_JOINABLE, "DT_JOINABLE");
