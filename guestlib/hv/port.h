/* port.h - port output, the hypervisor's only device access (out.c's
 * report on the Bochs debug port and the shutdown port). Apart from vmx.h
 * so that the output code needs nothing of the VMX code. */
#ifndef PLIB_HV_PORT_H
#define PLIB_HV_PORT_H

#include <stdint.h>

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

#endif
