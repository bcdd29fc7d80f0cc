/* SPDX-License-Identifier: MIT */
/* test-projection.c - placeholder replaced below */
#include <check.h>
#include <stdlib.h>
int main(void) { return 0; }
