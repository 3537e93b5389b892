/*
 * plib_nic.h - the paravirtual NIC a protected library drives directly.
 *
 * The library keeps the ring below in its own private data (shared by
 * the application instances of a PLIB_APPS image, never mapped by an
 * application) and tells the platform where it is once, with
 * plib_nic_attach. From then on plib's device model (backend/nic, Go,
 * trusted) polls the TX ring and fills the RX ring: no exit and no system
 * call per frame on the library's side. The device sleeps when idle and
 * says so in NIC_DEV_SLEEP; only then does the library kick it.
 *
 * An application that finds nothing to receive waits outside the library
 * with plib_nic_wait(token): the platform sleeps while the ring's wait
 * word (NIC_GEN) still holds the token; the device bumps it and wakes the
 * waiters whenever it puts frames on the RX ring.
 *
 * Every number here is mirrored in backend/nic; its tests compare them.
 */
#ifndef PLIB_NIC_H
#define PLIB_NIC_H

#include "plib.h"

#define NIC_MAGIC 0x3143494e42494c50ULL /* "PLIBNIC1" little-endian */
#define NIC_NTX 64       /* TX slots */
#define NIC_NRX 128      /* RX slots */
#define NIC_SLOT 8192    /* bytes per slot: one frame at most */
#define NIC_MTU (NIC_SLOT - 14) /* the IP MTU the host side is given */

/* Header fields (byte offsets from the ring base). */
#define NIC_HDR_MAGIC 0     /* u64 NIC_MAGIC, written by the library before attach */
#define NIC_HDR_NTX 8       /* u32 */
#define NIC_HDR_NRX 12      /* u32 */
#define NIC_HDR_SLOT 16     /* u32 */
#define NIC_HDR_MAC 24      /* u8[6]: the library's MAC address */
#define NIC_TX_PROD 32      /* u32, library: frames posted */
#define NIC_TX_CONS 36      /* u32, device: frames taken */
#define NIC_RX_PROD 40      /* u32, device: frames delivered */
#define NIC_RX_CONS 44      /* u32, library: frames consumed */
#define NIC_DEV_SLEEP 48    /* u32 futex word: 1 while the device sleeps */
#define NIC_GEN 52          /* u32 futex word: bumped when receivers should look */
#define NIC_WAITERS 56      /* u32: applications sleeping on NIC_GEN (platform) */
#define NIC_STAT_TX 64      /* u64 counters, device: frames taken from TX */
#define NIC_STAT_RX 72      /* frames put on RX */
#define NIC_STAT_RX_DROP 80 /* frames dropped: RX ring full */
#define NIC_STAT_LOOP 88    /* TX frames addressed to the NIC itself, looped to RX */
#define NIC_STAT_WIRE_TX 96 /* TX frames sent to the host interface */
#define NIC_STAT_WIRE_RX 104 /* frames read from the host interface */
#define NIC_STAT_BAD 112    /* TX slots with a bad length (dropped) */
#define NIC_LENS 4096       /* u32 lengths: NIC_NTX for TX, then NIC_NRX for RX */
#define NIC_BUFS 8192       /* slots: NIC_NTX for TX, then NIC_NRX for RX */
#define NIC_RING_BYTES (NIC_BUFS + (NIC_NTX + NIC_NRX) * NIC_SLOT)

#ifndef __ASSEMBLER__
/* Tells the platform where the calling library's ring is (page-aligned,
 * in its own data): 0, or -1 if refused or the run has no device. */
static inline long plib_nic_attach(void *ring)
{
	return plib_sys(PLIB_SYS_NIC_ATTACH, (long)ring, 0, 0);
}
/* Wakes the device (the library, when NIC_DEV_SLEEP is set). */
static inline void plib_nic_kick(void) { plib_sys(PLIB_SYS_NIC_KICK, 0, 0, 0); }
/* Wakes every application waiting in plib_nic_wait (the library). */
static inline void plib_nic_wake(void) { plib_sys(PLIB_SYS_NIC_WAKE, 0, 0, 0); }
/* Sleeps while the wait word equals token, at most us microseconds
 * (PLIB_NIC_WAIT_MAX_US at most). Returns 0, or -1 with no device. */
static inline long plib_nic_wait(uint32_t token, long us)
{
	return plib_sys(PLIB_SYS_NIC_WAIT, (long)token, us, 0);
}
#endif

#endif
