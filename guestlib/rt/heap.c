/* heap.c - the heap of a library that declares none with
 * PLIB_LIBRARY_HEAP: empty, so plib_alloc returns NULL. These weak
 * definitions give way to the macro's; they live apart from lib.c so that
 * the compiler cannot fold this size into plib_alloc. */
#include "plib.h"

__attribute__((weak)) char plib_heap_area[0];
__attribute__((weak)) const uint64_t plib_heap_size = 0;
