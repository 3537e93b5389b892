/* app.c - kv-load with eight application instances: 4x over-subscribed
 * on a 2-core machine. */
#define KV_LOAD_APPS 8
#include "../kv-load/app.c"
