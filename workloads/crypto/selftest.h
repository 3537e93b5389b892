/* selftest.h - mbedTLS's own self tests, every one the configuration
 * (plib_mbedtls_config.h) enables, run in the library and natively. */
#ifndef SELFTEST_H
#define SELFTEST_H
/* Runs each self test verbosely, printing its name and result on stdout;
 * returns how many failed. */
int crypto_selftest(void);
#endif
