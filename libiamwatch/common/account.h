/* SPDX-License-Identifier: MIT */
/*
 * account.h - the AWS account and region an engine stands for: they appear in
 * alarm ARNs, notification bodies and metric filter system dimensions.
 */
#ifndef IAMW_COMMON_ACCOUNT_H
#define IAMW_COMMON_ACCOUNT_H

/* Account context for ARNs and notification bodies. */
typedef struct iamw__account {
	const char *account_id; /* 12 digits, default "123456789012" */
	const char *region;     /* e.g. "us-east-1" */
} iamw__account;

#endif /* IAMW_COMMON_ACCOUNT_H */
