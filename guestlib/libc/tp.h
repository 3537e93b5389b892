/* tp.h - where musl 1.2.3's struct pthread keeps what a domain's TLS
 * block (rt.c's plib_tls, the domain's thread pointer) must hold before
 * libc code runs; musl's build checks every offset (overlay
 * src/plib/tp_layout.c), so a mismatch fails there. */
#ifndef PLIB_LIBC_TP_H
#define PLIB_LIBC_TP_H
#define PLIB_TP_SELF   0x00 /* = PLIB_TLS_SELF: written by the loader */
#define PLIB_TP_PREV   0x10 /* thread list: the domain's one thread */
#define PLIB_TP_NEXT   0x18
#define PLIB_TP_CANARY 0x28 /* = PLIB_TLS_CANARY: written by the loader */
#define PLIB_TP_TID    0x30 /* int */
#define PLIB_TP_DETACH 0x38 /* int: DT_JOINABLE */
#define PLIB_TP_ROBUST 0x88 /* robust_list.head: points at itself (empty) */
#define PLIB_TP_LOCALE 0xa8 /* &__libc.global_locale */
#define PLIB_LIBC_GLOBAL_LOCALE 0x38 /* offsetof(struct __libc, global_locale) */
#define PLIB_TP_JOINABLE 2
#endif
