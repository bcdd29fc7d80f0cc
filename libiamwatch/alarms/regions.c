/* SPDX-License-Identifier: MIT */
/*
 * regions.c - the region code -> long name table that SNS alarm messages and
 * subjects print ("Region":"Canada (Central)"), and alarm ARN building.
 *
 * SNS alarm bodies use the legacy "EU (...)" spelling, not the console's
 * newer "Europe (...)". Entries marked OBS were seen in captured payloads
 * (spec metrics-alarms.md §4.1); entries marked ANA are by analogy: the
 * region's official long name rewritten into the same style. Only commercial
 * (aws partition) regions are listed; GovCloud, China and anything newer fall
 * back to the code itself, which is at least unambiguous.
 */
#include <string.h>

#include "alarms/notify.h"

typedef struct region_name {
	const char *code;
	const char *long_name;
} region_name;

static const region_name regions[] = {
    /* Observed in real SNS payloads. */
    {"us-east-1", "US East (N. Virginia)"},         /* OBS */
    {"us-west-1", "US West (N. California)"},       /* OBS */
    {"us-west-2", "US West (Oregon)"},              /* OBS */
    {"ca-central-1", "Canada (Central)"},           /* OBS */
    {"eu-west-1", "EU (Ireland)"},                  /* OBS */
    {"eu-west-2", "EU (London)"},                   /* OBS */
    {"ap-northeast-1", "Asia Pacific (Tokyo)"},     /* OBS */
    {"ap-northeast-2", "Asia Pacific (Seoul)"},     /* OBS */
    {"ap-southeast-1", "Asia Pacific (Singapore)"}, /* OBS */
    {"ap-southeast-2", "Asia Pacific (Sydney)"},    /* OBS */
    /* By analogy with the above. */
    {"us-east-2", "US East (Ohio)"},                  /* ANA */
    {"ca-west-1", "Canada West (Calgary)"},           /* ANA */
    {"mx-central-1", "Mexico (Central)"},             /* ANA */
    {"sa-east-1", "South America (Sao Paulo)"},       /* ANA */
    {"eu-central-1", "EU (Frankfurt)"},               /* ANA */
    {"eu-central-2", "EU (Zurich)"},                  /* ANA */
    {"eu-west-3", "EU (Paris)"},                      /* ANA */
    {"eu-north-1", "EU (Stockholm)"},                 /* ANA */
    {"eu-south-1", "EU (Milan)"},                     /* ANA */
    {"eu-south-2", "EU (Spain)"},                     /* ANA */
    {"ap-east-1", "Asia Pacific (Hong Kong)"},        /* ANA */
    {"ap-east-2", "Asia Pacific (Taipei)"},           /* ANA */
    {"ap-northeast-3", "Asia Pacific (Osaka)"},       /* ANA */
    {"ap-south-1", "Asia Pacific (Mumbai)"},          /* ANA */
    {"ap-south-2", "Asia Pacific (Hyderabad)"},       /* ANA */
    {"ap-southeast-3", "Asia Pacific (Jakarta)"},     /* ANA */
    {"ap-southeast-4", "Asia Pacific (Melbourne)"},   /* ANA */
    {"ap-southeast-5", "Asia Pacific (Malaysia)"},    /* ANA */
    {"ap-southeast-6", "Asia Pacific (New Zealand)"}, /* ANA */
    {"ap-southeast-7", "Asia Pacific (Thailand)"},    /* ANA */
    {"me-south-1", "Middle East (Bahrain)"},          /* ANA */
    {"me-central-1", "Middle East (UAE)"},            /* ANA */
    {"il-central-1", "Israel (Tel Aviv)"},            /* ANA */
    {"af-south-1", "Africa (Cape Town)"},             /* ANA */
};

const char *iamw__region_long_name(const char *region_code)
{
	if (!region_code)
		return "";
	for (size_t i = 0; i < sizeof regions / sizeof regions[0]; i++)
		if (strcmp(regions[i].code, region_code) == 0)
			return regions[i].long_name;
	return region_code;
}

void iamw__buf_add_alarm_arn(iamw__buf *b, const char *region, const char *account_id,
                             const char *name)
{
	iamw__buf_adds(b, "arn:aws:cloudwatch:");
	iamw__buf_adds(b, region ? region : IAMW_DEFAULT_REGION);
	iamw__buf_addc(b, ':');
	iamw__buf_adds(b, account_id ? account_id : IAMW_DEFAULT_ACCOUNT_ID);
	iamw__buf_adds(b, ":alarm:");
	iamw__buf_adds(b, name ? name : "");
}

char *iamw__alarm_arn(const char *region, const char *account_id, const char *name)
{
	if (!name)
		return NULL;
	iamw__buf b;
	iamw__buf_init(&b);
	iamw__buf_add_alarm_arn(&b, region, account_id, name);
	char *s;
	if (iamw__buf_steal(&b, &s, NULL) != IAMW_OK)
		return NULL;
	return s;
}
