/* net.h - the net protected library: UDP over plib's paravirtual NIC,
 * shared by distrusting applications (PLIB_APPS). Ports are the
 * applications' namespaces: an application sends only from ports it
 * bound and receives only what arrives for them, through its own queue
 * (NET_QCAP datagrams: its buffer quota). net_recv never blocks: on an
 * empty queue it returns at once with a token, and the application waits
 * outside the library with plib_nic_wait(token). */
#ifndef NET_H
#define NET_H
#include "plib.h"
#include "plib_nic.h"

#define NET_LIB 1
#define NET_BIND PLIB_ENTRY(NET_LIB, 0)   /* (port) -> 0 */
#define NET_SEND PLIB_ENTRY(NET_LIB, 1)   /* (src_port | dst_port << 16, dst_ip, off, len) -> len */
#define NET_RECV PLIB_ENTRY(NET_LIB, 2)   /* (off, cap) -> len, a struct net_hdr then the payload at off */
#define NET_STAT PLIB_ENTRY(NET_LIB, 3)   /* (which) -> a counter (NET_STAT_*) */
#define NET_UNBIND PLIB_ENTRY(NET_LIB, 4) /* (port) -> 0 */

#define NET_MAX_PAYLOAD (NIC_SLOT - 14 - 20 - 8)
#define NET_QCAP 32      /* datagrams queued per application */
#define NET_QSHARE (NET_QCAP / 2) /* of them, from any one other sender (an application, or the wire) */
#define NET_MAX_PORTS 16 /* ports one application may bind */
#define NET_IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define NET_MY_IP NET_IP(10, 77, 0, 2) /* the library's address (the host's TAP is .1), unless
					* the image's net_host param names another: 10.77.0.net_host */

/* What net_recv writes before the payload. */
struct net_hdr {
	uint32_t src_ip;
	uint16_t src_port, dst_port;
	uint32_t len, pad;
};

#define NET_EINVAL (-22)
#define NET_EPERM (-1)       /* the port is another application's, or none */
#define NET_EAGAIN (-11)     /* TX ring full, or this application's share of it */
#define NET_EADDRINUSE (-98) /* bound by another application */
#define NET_ENOSPC (-28)     /* NET_MAX_PORTS bound already */
#define NET_EMSGSIZE (-90)   /* larger than NET_MAX_PAYLOAD, or than the caller's buffer */
#define NET_ENODEV (-19)     /* the run has no NIC (a single-instance image) */
#define NET_EMPTY_BASE (-(1L << 32)) /* net_recv: nothing queued; token below */

#define NET_STAT_DROPS 0     /* the caller's datagrams dropped: its queue was full */
#define NET_STAT_DELIVERED 1 /* the caller's datagrams queued */
#define NET_STAT_REJECTED 2  /* frames the parser refused (any application) */
#define NET_STAT_NOPORT 3    /* datagrams for a port nobody bound */
#define NET_STAT_RECLAIMED 4 /* applications whose ports and queue were reclaimed */
#define NET_STAT_ADDR 5      /* the library's IPv4 address */

static inline int net_empty(long r) { return r <= NET_EMPTY_BASE; }
static inline uint32_t net_token(long r) { return (uint32_t)(NET_EMPTY_BASE - r); }

#endif
