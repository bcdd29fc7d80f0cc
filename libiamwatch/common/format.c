/* SPDX-License-Identifier: MIT */
/*
 * format.c - locale-independent number parsing and the exact number and time
 * renderings CloudWatch uses in reasons and notifications.
 *
 * strtod() reads the decimal point from the host's locale, so parsing goes
 * through a copy in which '.' is replaced by the locale's decimal point
 * (the library never calls setlocale itself; it only reads localeconv()).
 */
#include <ctype.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/private.h"

/* Strict filter-pattern number grammar. */
static int is_pattern_number(const char *s, size_t n)
{
	size_t i = 0;
	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	size_t d = i;
	while (i < n && isdigit((unsigned char)s[i]))
		i++;
	if (i == d)
		return 0;
	if (i < n && s[i] == '.') {
		i++;
		d = i;
		while (i < n && isdigit((unsigned char)s[i]))
			i++;
		if (i == d)
			return 0;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		d = i;
		while (i < n && isdigit((unsigned char)s[i]))
			i++;
		if (i == d)
			return 0;
	}
	return i == n;
}

/* strtod over exactly n bytes in the C locale's notation. */
static int strtod_c(const char *s, size_t n, double *out)
{
	char small[128];
	char *tmp = n < sizeof small ? small : iamw__malloc(n + 1);
	if (!tmp)
		return 0;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	const char *dp = localeconv()->decimal_point;
	if (dp && dp[0] && strcmp(dp, ".") != 0 && strlen(dp) == 1) {
		for (size_t i = 0; i < n; i++)
			if (tmp[i] == '.')
				tmp[i] = dp[0];
	}
	char *end = NULL;
	double v = strtod(tmp, &end);
	int ok = end == tmp + n;
	if (tmp != small)
		iamw__free(tmp);
	if (ok)
		*out = v;
	return ok;
}

int iamw__parse_number(const char *s, size_t n, double *out)
{
	if (!is_pattern_number(s, n))
		return 0;
	return strtod_c(s, n, out);
}

int iamw__parse_double_c(const char *s, size_t n, double *out)
{
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (!n)
		return 0;
	/* Only plain decimal notation: no hex floats, inf or nan from event text. */
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!(isdigit((unsigned char)c) || c == '.' || c == '+' || c == '-' || c == 'e' ||
		      c == 'E'))
			return 0;
	}
	double v;
	if (!strtod_c(s, n, &v) || !isfinite(v))
		return 0;
	*out = v;
	return 1;
}

/* Shortest %.*e digits that round-trip: fills digits (no dot) and exponent. */
static void shortest_digits(double v, char *digits, int *ndigits, int *exp10)
{
	char tmp[40];
	for (int prec = 0; prec < 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*e", prec, v);
		double back;
		if (strtod_c(tmp, strlen(tmp), &back) && back == v)
			break;
	}
	/* tmp looks like "d.ddddde+XX" (C locale guaranteed? decimal point may be
	 * a comma under some locales: accept any single non-digit). */
	int nd = 0;
	const char *p = tmp;
	if (*p == '-')
		p++;
	for (; *p && *p != 'e'; p++)
		if (isdigit((unsigned char)*p))
			digits[nd++] = *p;
	digits[nd] = '\0';
	*exp10 = (*p == 'e') ? atoi(p + 1) : 0;
	/* Drop trailing zeros (keep one digit). */
	while (nd > 1 && digits[nd - 1] == '0')
		digits[--nd] = '\0';
	*ndigits = nd;
}

size_t iamw__fmt_java_double(double v, char *buf, size_t size)
{
	if (isnan(v))
		return (size_t)snprintf(buf, size, "NaN");
	if (isinf(v))
		return (size_t)snprintf(buf, size, v > 0 ? "Infinity" : "-Infinity");
	if (v == 0)
		return (size_t)snprintf(buf, size, signbit(v) ? "-0.0" : "0.0");
	char digits[24];
	int nd, e;
	shortest_digits(v, digits, &nd, &e);
	iamw__buf b;
	iamw__buf_init(&b);
	if (v < 0)
		iamw__buf_addc(&b, '-');
	double a = fabs(v);
	if (a >= 1e-3 && a < 1e7) {
		if (e >= 0) {
			for (int i = 0; i <= e; i++)
				iamw__buf_addc(&b, i < nd ? digits[i] : '0');
			iamw__buf_addc(&b, '.');
			if (nd > e + 1)
				iamw__buf_adds(&b, digits + e + 1);
			else
				iamw__buf_addc(&b, '0');
		} else {
			iamw__buf_adds(&b, "0.");
			for (int i = 0; i < -e - 1; i++)
				iamw__buf_addc(&b, '0');
			iamw__buf_adds(&b, digits);
		}
	} else {
		iamw__buf_addc(&b, digits[0]);
		iamw__buf_addc(&b, '.');
		if (nd > 1)
			iamw__buf_adds(&b, digits + 1);
		else
			iamw__buf_addc(&b, '0');
		iamw__buf_addf(&b, "E%d", e);
	}
	size_t n = b.oom ? 0 : b.len;
	if (size) {
		size_t c = n < size - 1 ? n : size - 1;
		if (c)
			memcpy(buf, b.data, c);
		buf[c] = '\0';
	}
	iamw__buf_free(&b);
	return n;
}

size_t iamw__fmt_shortest(double v, char *buf, size_t size)
{
	if (!isfinite(v))
		return (size_t)snprintf(buf, size, "%s", isnan(v) ? "NaN" : (v > 0 ? "Infinity" : "-Infinity"));
	if (v == 0)
		return (size_t)snprintf(buf, size, "0");
	char digits[24];
	int nd, e;
	shortest_digits(v, digits, &nd, &e);
	iamw__buf b;
	iamw__buf_init(&b);
	if (v < 0)
		iamw__buf_addc(&b, '-');
	/* Like JavaScript's Number#toString: plain notation for 1e-7 <= |v| < 1e21. */
	if (e >= -7 && e < 21) {
		if (e >= 0) {
			for (int i = 0; i <= e; i++)
				iamw__buf_addc(&b, i < nd ? digits[i] : '0');
			if (nd > e + 1) {
				iamw__buf_addc(&b, '.');
				iamw__buf_adds(&b, digits + e + 1);
			}
		} else {
			iamw__buf_adds(&b, "0.");
			for (int i = 0; i < -e - 1; i++)
				iamw__buf_addc(&b, '0');
			iamw__buf_adds(&b, digits);
		}
	} else {
		iamw__buf_addc(&b, digits[0]);
		if (nd > 1) {
			iamw__buf_addc(&b, '.');
			iamw__buf_adds(&b, digits + 1);
		}
		iamw__buf_addf(&b, "e%c%d", e < 0 ? '-' : '+', e < 0 ? -e : e);
	}
	size_t n = b.oom ? 0 : b.len;
	if (size) {
		size_t c = n < size - 1 ? n : size - 1;
		if (c)
			memcpy(buf, b.data, c);
		buf[c] = '\0';
	}
	iamw__buf_free(&b);
	return n;
}

/* ------------------------------------------------------------------ time */

/* Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = (unsigned)(z - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const int64_t yy = (int64_t)yoe + era * 400;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yy + (*m <= 2);
}

typedef struct {
	int64_t year;
	unsigned mon, day, hour, min, sec, ms, wday;
} tm_utc;

static tm_utc split_ms(int64_t ms)
{
	tm_utc t;
	int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
	int64_t rem_ms = ms - secs * 1000;
	int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
	int64_t sod = secs - days * 86400;
	civil_from_days(days, &t.year, &t.mon, &t.day);
	t.hour = (unsigned)(sod / 3600);
	t.min = (unsigned)(sod / 60 % 60);
	t.sec = (unsigned)(sod % 60);
	t.ms = (unsigned)rem_ms;
	t.wday = (unsigned)(((days % 7) + 11) % 7); /* 1970-01-01 was a Thursday (4) */
	return t;
}

size_t iamw__fmt_time_cw(int64_t ms, char *buf, size_t size)
{
	tm_utc t = split_ms(ms);
	return (size_t)snprintf(buf, size, "%04lld-%02u-%02uT%02u:%02u:%02u.%03u+0000", (long long)t.year,
	                        t.mon, t.day, t.hour, t.min, t.sec, t.ms);
}

size_t iamw__fmt_time_reason(int64_t ms, char *buf, size_t size)
{
	tm_utc t = split_ms(ms);
	return (size_t)snprintf(buf, size, "%02u/%02u/%02u %02u:%02u:%02u", t.day, t.mon,
	                        (unsigned)(((t.year % 100) + 100) % 100), t.hour, t.min, t.sec);
}

size_t iamw__fmt_time_iso_s(int64_t ms, char *buf, size_t size)
{
	tm_utc t = split_ms(ms);
	return (size_t)snprintf(buf, size, "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)t.year, t.mon,
	                        t.day, t.hour, t.min, t.sec);
}

size_t iamw__fmt_time_long(int64_t ms, char *buf, size_t size)
{
	static const char *const wdays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
	                                    "Thursday", "Friday", "Saturday"};
	static const char *const months[] = {"January", "February", "March",     "April",
	                                     "May",     "June",     "July",      "August",
	                                     "September", "October", "November", "December"};
	tm_utc t = split_ms(ms);
	return (size_t)snprintf(buf, size, "%s %02u %s, %04lld %02u:%02u:%02u UTC", wdays[t.wday % 7],
	                        t.day, months[(t.mon - 1) % 12], (long long)t.year, t.hour, t.min,
	                        t.sec);
}

static int digits_at(const char *s, size_t n, size_t at, size_t count, unsigned *out)
{
	if (at + count > n)
		return 0;
	unsigned v = 0;
	for (size_t i = 0; i < count; i++) {
		if (!isdigit((unsigned char)s[at + i]))
			return 0;
		v = v * 10 + (unsigned)(s[at + i] - '0');
	}
	*out = v;
	return 1;
}

int iamw__parse_time_iso(const char *s, size_t n, int64_t *out_ms)
{
	unsigned y, mo, d, h, mi, se, ms = 0;
	if (!digits_at(s, n, 0, 4, &y) || n < 19 || s[4] != '-' || !digits_at(s, n, 5, 2, &mo) ||
	    s[7] != '-' || !digits_at(s, n, 8, 2, &d) || (s[10] != 'T' && s[10] != ' ') ||
	    !digits_at(s, n, 11, 2, &h) || s[13] != ':' || !digits_at(s, n, 14, 2, &mi) ||
	    s[16] != ':' || !digits_at(s, n, 17, 2, &se))
		return 0;
	size_t i = 19;
	if (i < n && s[i] == '.') {
		i++;
		unsigned scale = 100;
		size_t start = i;
		while (i < n && isdigit((unsigned char)s[i])) {
			ms += (unsigned)(s[i] - '0') * scale;
			scale /= 10;
			i++;
		}
		if (i == start)
			return 0;
	}
	if (i < n && s[i] == 'Z')
		i++;
	else if (i + 5 <= n && (s[i] == '+') && s[i + 1] == '0' && s[i + 2] == '0' &&
	         ((s[i + 3] == '0' && s[i + 4] == '0') ||
	          (s[i + 3] == ':' && i + 6 <= n && s[i + 4] == '0' && s[i + 5] == '0')))
		i += s[i + 3] == ':' ? 6 : 5;
	if (i != n)
		return 0;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return 0;
	int64_t days = days_from_civil(y, mo, d);
	*out_ms = ((days * 86400) + h * 3600 + mi * 60 + se) * 1000 + ms;
	return 1;
}
