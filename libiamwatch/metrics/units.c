/* SPDX-License-Identifier: MIT */
/*
 * units.c - CloudWatch's StandardUnit names, which metric filters
 * (MetricTransformation.unit) and metric alarms (Unit) both validate against.
 */
#include <string.h>

#include "metrics/units.h"

static const char *const standard_units[] = {
	"Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes",
	"Gigabytes", "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits",
	"Percent", "Count", "Bytes/Second", "Kilobytes/Second", "Megabytes/Second",
	"Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second",
	"Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
};

int iamw__is_standard_unit(const char *u)
{
	for (size_t i = 0; i < sizeof standard_units / sizeof standard_units[0]; i++)
		if (strcmp(u, standard_units[i]) == 0)
			return 1;
	return 0;
}
