/* SPDX-License-Identifier: MIT */
/*
 * notification.c - the public view of a state change delivered to the
 * host's callback, and its renderings (SNS body and subject, EventBridge
 * event, Lambda payload, one text line) through notify.c.
 */
#include <string.h>

#include "engine/engine.h"

void iamw__notification_clear(iamw_notification *n)
{
	iamw__composite_state_change_clear(&n->chg);
	iamw__free(n->children);
	memset(n, 0, sizeof *n);
}

const char *iamw_notification_alarm_name(const iamw_notification *n)
{
	if (!n)
		return NULL;
	return n->composite ? n->cdef->name : n->mdef->name;
}

int iamw_notification_is_composite(const iamw_notification *n)
{
	return n ? n->composite : 0;
}

iamw_alarm_state iamw_notification_old_state(const iamw_notification *n)
{
	return n ? n->chg.old_state : IAMW_STATE_INSUFFICIENT_DATA;
}

iamw_alarm_state iamw_notification_new_state(const iamw_notification *n)
{
	return n ? n->chg.new_state : IAMW_STATE_INSUFFICIENT_DATA;
}

int64_t iamw_notification_time(const iamw_notification *n)
{
	return n ? n->chg.time_ms : IAMW_NO_TIME;
}

const char *iamw_notification_reason(const iamw_notification *n)
{
	return n && n->chg.reason ? n->chg.reason : "";
}

const char *iamw_notification_reason_data(const iamw_notification *n)
{
	return n ? n->chg.reason_data : NULL;
}

int iamw_notification_actions_run(const iamw_notification *n)
{
	return n ? n->actions_run : 0;
}

size_t iamw_notification_action_count(const iamw_notification *n)
{
	return n && n->actions ? n->actions->n : 0;
}

const char *iamw_notification_action(const iamw_notification *n, size_t i)
{
	return n && n->actions && i < n->actions->n ? n->actions->items[i] : NULL;
}

const char *iamw_alarm_state_name(iamw_alarm_state state)
{
	return iamw__alarm_state_name(state);
}

int iamw_notification_render(const iamw_notification *n, iamw_render_format format, char **out,
                             size_t *out_len)
{
	if (!n || !out)
		return IAMW_EINVAL;
	*out = NULL;
	iamw__buf b;
	iamw__buf_init(&b);
	iamw__event_options opt;
	memset(&opt, 0, sizeof opt);
	if (n->suppressed_by != IAMW__SUPPRESSED_NONE) {
		opt.actions_suppressed_by = iamw__suppressed_by_name(n->suppressed_by);
		opt.actions_suppressed_reason = iamw__suppressed_reason(n->suppressed_by);
	}
	int rc;
	switch (format) {
	case IAMW_RENDER_SNS:
		rc = n->composite ? iamw__render_sns_composite(n->cdef, &n->chg, n->account, n->children,
		                                               n->n_children, &b)
		                  : iamw__render_sns_metric(n->mdef, &n->chg, n->account, &b);
		break;
	case IAMW_RENDER_SNS_SUBJECT:
		rc = iamw__render_sns_subject(n->chg.new_state, iamw_notification_alarm_name(n),
		                              n->account->region, &b);
		break;
	case IAMW_RENDER_EVENTBRIDGE:
		rc = n->composite ? iamw__render_eventbridge_composite(n->cdef, &n->chg, n->account,
		                                                       &opt, &b)
		                  : iamw__render_eventbridge_metric(n->mdef, &n->chg, n->account, &opt,
		                                                    &b);
		break;
	case IAMW_RENDER_LAMBDA:
		rc = n->composite
		         ? iamw__render_lambda_composite(n->cdef, &n->chg, n->account, &opt, &b)
		         : iamw__render_lambda_metric(n->mdef, &n->chg, n->account, &opt, &b);
		break;
	case IAMW_RENDER_TEXT:
		rc = iamw__render_text(iamw_notification_alarm_name(n), &n->chg, &b);
		break;
	default:
		rc = IAMW_EINVAL;
	}
	if (rc) {
		iamw__buf_free(&b);
		return rc;
	}
	return iamw__buf_steal(&b, out, out_len);
}
