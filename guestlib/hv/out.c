/* out.c - report output on the Bochs debug port, and the end of a run. */
#include "hv.h"
#include "port.h"

void putn(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		outb(HV_PORT_DEBUG, (uint8_t)s[i]);
}

void put(const char *s)
{
	while (*s)
		outb(HV_PORT_DEBUG, (uint8_t)*s++);
}

void putd(int64_t v)
{
	char b[24];
	int i = 0;
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	do
		b[i++] = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		b[i++] = '-';
	while (i)
		outb(HV_PORT_DEBUG, (uint8_t)b[--i]);
}

void putx(uint64_t v)
{
	put("0x");
	for (int s = 60; s >= 0; s -= 4)
		if (v >> s || s == 0)
			outb(HV_PORT_DEBUG, (uint8_t)"0123456789abcdef"[(v >> s) & 15]);
}

void shutdown(void)
{
	put("PLIB end\n");
	for (const char *s = "Shutdown"; *s; s++)
		outb(HV_PORT_SHUTDOWN, (uint8_t)*s);
	for (;;)
		__asm__ volatile("cli; hlt");
}

void fatal_begin(const char *status)
{
	put("PLIB fatal ");
	put(status);
	put(" ");
}

void fatal_end(const char *what)
{
	put(what);
	put("\n");
	shutdown();
}

void fatal(const char *status, const char *what)
{
	fatal_begin(status);
	fatal_end(what);
}
