/* api.h - the null library's entry points. */
#ifndef NULL_API_H
#define NULL_API_H
#include "plib.h"

#define NULL_LIB 1
#define NULL_NOOP PLIB_ENTRY(NULL_LIB, 0) /* returns 0 */
#define NULL_ADD PLIB_ENTRY(NULL_LIB, 1)  /* returns a0 + a1 */
#define NULL_PEEK PLIB_ENTRY(NULL_LIB, 2) /* returns the secret's checksum */
#define NULL_CRASH PLIB_ENTRY(NULL_LIB, 3) /* crashes the library */
#define NULL_SPIN PLIB_ENTRY(NULL_LIB, 4)  /* reads the secret n times, returns its digest */


/* scrub.S: the gates' vector-state clear in and out, and an empty call. */
void null_scrub(void);
void null_empty(void);

#endif
