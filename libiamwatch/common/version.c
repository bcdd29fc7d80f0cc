/* SPDX-License-Identifier: MIT */
/* version.c - the library's version, for hosts and bindings. */
#include "common/private.h"

#define STR2(x) #x
#define STR(x) STR2(x)

unsigned iamw_version(void)
{
	return (IAMW_VERSION_MAJOR << 16) | (IAMW_VERSION_MINOR << 8) | IAMW_VERSION_PATCH;
}

const char *iamw_version_string(void)
{
	return STR(IAMW_VERSION_MAJOR) "." STR(IAMW_VERSION_MINOR) "." STR(IAMW_VERSION_PATCH);
}
