/* kv.h - the kv library's entry points and error codes (a memcached-like
 * protected key-value store). Keys, values and results travel through the
 * library's argument area, as offsets. */
#ifndef KV_H
#define KV_H
#include "plib.h"

#define KV_LIB 1
#define KV_GET PLIB_ENTRY(KV_LIB, 0)     /* (key_off, klen, out_off, out_cap) -> vlen */
#define KV_SET PLIB_ENTRY(KV_LIB, 1)     /* (key_off, klen, val_off, vlen) -> 0 */
#define KV_ADD PLIB_ENTRY(KV_LIB, 2)     /* like set, fails with KV_EEXIST */
#define KV_REPLACE PLIB_ENTRY(KV_LIB, 3) /* like set, fails with KV_ENOENT */
#define KV_DELETE PLIB_ENTRY(KV_LIB, 4)  /* (key_off, klen) -> 0 */
#define KV_INCR PLIB_ENTRY(KV_LIB, 5)    /* (key_off, klen, delta) -> new value */
#define KV_CHECK PLIB_ENTRY(KV_LIB, 6)   /* () -> 0 if every structure is consistent */
#define KV_COUNT PLIB_ENTRY(KV_LIB, 7)   /* () -> number of items */
#define KV_HEAP PLIB_ENTRY(KV_LIB, 8)    /* () -> bytes of private heap in use */
#define KV_DIE_AT PLIB_ENTRY(KV_LIB, 9)  /* (step): the recovery test's stand-in for a caller killed mid-call */
#define KV_RECOVERIES PLIB_ENTRY(KV_LIB, 10) /* () -> times kv rebuilt its tables after a holder died */

/* Namespaces: a key is private to the application instance that stores
 * it (PLIB_APPS images run several), except a key that starts with '@',
 * which every application shares. */
#define KV_MAX_KEY 250
#define KV_MAX_VALUE (1 << 20)

#define KV_ENOENT (-2)
#define KV_E2BIG (-7)
#define KV_EEXIST (-17)
#define KV_EINVAL (-22)
#define KV_ENOSPC (-28)
#define KV_ECORRUPT (-117) /* check() found an inconsistency */

#endif
