/* SPDX-License-Identifier: MIT */
/*
 * records.h - the record decoder's internal entry points
 * (formats/records.c), for the engine's replay glue (engine/replay.c).
 */
#ifndef IAMW_FORMATS_RECORDS_H
#define IAMW_FORMATS_RECORDS_H

#include <stddef.h>

#include "common/private.h"

/* What iamw__decoder_run() does after feeding buf. */
typedef enum iamw__decoder_end {
	IAMW__DECODER_MORE = 0,   /* the stream goes on (iamw_decoder_feed) */
	IAMW__DECODER_FINISH = 1, /* it ends here (iamw_decoder_finish) */
	IAMW__DECODER_FAIL = 2    /* its source failed here (iamw_decoder_fail) */
} iamw__decoder_end;

/* iamw_decoder_feed / _finish / _fail with other callbacks than the ones
 * set (which stay set). */
int iamw__decoder_run(iamw_decoder *d, const void *buf, size_t len, iamw__decoder_end end,
                      const char *cause, iamw_record_cb on_record, iamw_problem_cb on_problem,
                      void *payload);

/* The callbacks set with iamw_decoder_set_callbacks(). */
void iamw__decoder_callbacks(const iamw_decoder *d, iamw_record_cb *on_record,
                             iamw_problem_cb *on_problem, void **payload);

#endif /* IAMW_FORMATS_RECORDS_H */
