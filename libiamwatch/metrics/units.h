/* SPDX-License-Identifier: MIT */
/*
 * units.h - CloudWatch StandardUnit names.
 */
#ifndef IAMW_METRICS_UNITS_H
#define IAMW_METRICS_UNITS_H

/* 1 if u is a CloudWatch StandardUnit name ("Count", "Bytes/Second", ...). */
int iamw__is_standard_unit(const char *u);

#endif /* IAMW_METRICS_UNITS_H */
