/* rt.c - the freestanding helpers every domain links its own copy of:
 * a domain must never call code that lives in another domain's pages
 * (the hypervisor mode links it too, for memcpy and friends; a domain's
 * TLS block is tls.c's). */
#include "plib.h"

/* A function's stack canary (%fs:0x28, this domain's own) was overwritten:
 * say so and stop as a crash does, at an instruction that faults (the
 * platform blames the domain whose code it is). Never returns. */
__attribute__((noreturn)) void __stack_chk_fail(void)
{
	plib_print("stack smashing detected: the stack canary was overwritten\n");
	for (;;)
		__builtin_trap();
}

void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;
	/* rep movsb: the CPU's own fast string copy (ERMSB) */
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	void *d = dst;
	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

/* plib_printf's output buffer: flushed with one print call when full and
 * at the end. */
struct pbuf {
	char b[256];
	size_t n;
	int total;
};

static void pput(struct pbuf *p, char c)
{
	if (p->n == sizeof p->b) {
		plib_printn(p->b, p->n);
		p->n = 0;
	}
	p->b[p->n++] = c;
	p->total++;
}

static void pnum(struct pbuf *p, uint64_t v, int neg, unsigned base, int width, char pad)
{
	char d[24];
	int n = 0;
	do {
		d[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg && pad == '0')
		pput(p, '-');
	for (int w = n + (neg != 0); w < width; w++)
		pput(p, pad);
	if (neg && pad != '0')
		pput(p, '-');
	while (n)
		pput(p, d[--n]);
}

int plib_printf(const char *fmt, ...)
{
	struct pbuf p = {.n = 0, .total = 0};
	__builtin_va_list ap;
	__builtin_va_start(ap, fmt);
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			pput(&p, *fmt);
			continue;
		}
		fmt++;
		char pad = ' ';
		int width = 0, lng = 0;
		if (*fmt == '0') {
			pad = '0';
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9' && width < 64)
			width = width * 10 + (*fmt++ - '0');
		if (*fmt == 'l') {
			lng = 1;
			fmt++;
		}
		switch (*fmt) {
		case 'd': {
			long v = lng ? __builtin_va_arg(ap, long) : __builtin_va_arg(ap, int);
			pnum(&p, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0, 10, width, pad);
			break;
		}
		case 'u':
		case 'x': {
			uint64_t v = lng ? __builtin_va_arg(ap, unsigned long) : __builtin_va_arg(ap, unsigned);
			pnum(&p, v, 0, *fmt == 'x' ? 16 : 10, width, pad);
			break;
		}
		case 's': {
			const char *s = __builtin_va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			size_t n = plib_strlen(s);
			for (size_t w = n; w < (size_t)width; w++)
				pput(&p, ' ');
			while (*s)
				pput(&p, *s++);
			break;
		}
		case 'c':
			pput(&p, (char)__builtin_va_arg(ap, int));
			break;
		case '%':
			pput(&p, '%');
			break;
		case '\0': /* a lone % at the end */
			fmt--;
			break;
		default: /* not a conversion plib_printf knows: print it as is */
			pput(&p, '%');
			pput(&p, *fmt);
		}
	}
	__builtin_va_end(ap);
	if (p.n)
		plib_printn(p.b, p.n);
	return p.total;
}
