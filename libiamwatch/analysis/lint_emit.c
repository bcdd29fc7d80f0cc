/* SPDX-License-Identifier: MIT */
/*
 * lint_emit.c - how the checks hand a finding to the caller: the finding is
 * filled from the pattern being linted, passed to the caller's callback, and
 * a nonzero return (or running out of memory while wording it) stops the
 * lint.
 */
#include <string.h>

#include "analysis/lint.h"

static void deliver(iamw__linter *L, const iamw_lint_finding *f)
{
	if (L->stop)
		return;
	int r = L->opts->on_finding(f, L->opts->payload);
	if (r)
		L->stop = r;
}

void iamw__lint_emit(iamw__linter *L, iamw_lint_severity sev, const char *code, int status,
                     size_t offset, size_t length, const iamw__buf *msg, const iamw__buf *sugg)
{
	if (L->stop)
		return;
	if (msg->oom || (sugg && sugg->oom)) {
		L->stop = IAMW_ENOMEM;
		return;
	}
	iamw_lint_finding f;
	memset(&f, 0, sizeof f);
	f.code = code;
	f.severity = sev;
	f.status = status;
	f.index = L->target.index;
	f.offset = offset;
	f.length = offset == IAMW_NO_OFFSET ? 0 : length;
	f.pattern = L->target.pattern;
	f.pattern_len = L->target.pattern ? L->target.pattern_len : 0;
	f.filter = L->target.filter;
	f.location = L->target.location;
	f.origin = L->target.origin;
	f.message = msg->data ? msg->data : "";
	f.suggestion = sugg && sugg->data ? sugg->data : NULL;
	deliver(L, &f);
}
