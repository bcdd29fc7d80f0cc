/* SPDX-License-Identifier: MIT */
/*
 * composite.h - composite alarms (spec/metrics-alarms.md §3): the AlarmRule
 * lexer (alarm_rule.re) and parser, rule evaluation, reference-cycle
 * detection, the composite's state logic with its StateReason and
 * StateReasonData texts, the action-suppression state machine and the
 * PutCompositeAlarm definition reader. Internal: nothing here is exported.
 *
 * AlarmRule grammar as implemented (decisions marked D-n are listed in
 * composite.c and docs/semantics.md):
 *
 *   rule     = or_expr EOF
 *   or_expr  = and_expr { "OR" and_expr }
 *   and_expr = unary { "AND" unary }
 *   unary    = "NOT" unary | primary
 *   primary  = "TRUE" | "FALSE" | "(" or_expr ")" | state "(" child ")"
 *   state    = "ALARM" | "OK" | "INSUFFICIENT_DATA"
 *   child    = bare-name | quoted-name     (either may be an alarm ARN)
 *
 * Keywords are upper case only; precedence NOT > AND > OR; AND and OR are
 * left-associative (and commutative, so associativity is invisible).
 */
#ifndef IAMW_COMPOSITE_H
#define IAMW_COMPOSITE_H

#include <stddef.h>
#include <stdint.h>

#include "alarms/types.h"
#include "common/private.h"

struct cJSON;

/* AlarmRule: 1..10240 bytes (IAMW_ETOOLONG beyond). */
#define IAMW_RULE_MAX_LEN 10240
/* Distinct child alarms per rule (IAMW_ELIMIT beyond). */
#define IAMW_RULE_MAX_CHILDREN 100
/* Elements: child references + TRUE/FALSE + grouping parenthesis pairs. */
#define IAMW_RULE_MAX_ELEMENTS 500
/* Nesting: grouping parentheses and NOT operators together (IAMW_EDEPTH). */
#define IAMW_RULE_MAX_DEPTH 64
/* AlarmName: 1..255 characters (UTF-8 code points). */
#define IAMW_ALARM_NAME_MAX 255

/* ------------------------------------------------------------ the lexer */

typedef enum iamw__rule_tok_kind {
	IAMW__RT_EOF = 0,
	IAMW__RT_INVALID, /* a byte no token starts with (control byte, NUL) */
	IAMW__RT_LPAREN,
	IAMW__RT_RPAREN,
	IAMW__RT_ALARM,
	IAMW__RT_OK,
	IAMW__RT_INSUFFICIENT_DATA,
	IAMW__RT_TRUE,
	IAMW__RT_FALSE,
	IAMW__RT_AND,
	IAMW__RT_OR,
	IAMW__RT_NOT,
	IAMW__RT_AT_LEAST,
	IAMW__RT_NAME,        /* bare word that is not a keyword */
	IAMW__RT_STRING,      /* "..." with its quotes, escapes not yet removed */
	IAMW__RT_BAD_ESCAPE,  /* "... up to and including a '\' not followed by " or \ */
	IAMW__RT_UNTERMINATED, /* "... that stops at the end or at a control byte */
	IAMW__RT_COMMA        /* separates AT_LEAST's arguments */
} iamw__rule_tok_kind;

typedef struct iamw__rule_token {
	iamw__rule_tok_kind kind;
	size_t offset; /* into the rule text */
	size_t length; /* 0 for EOF */
} iamw__rule_token;

/* The token that starts at or after byte pos (whitespace is skipped).
 * src[len] must be '\0' (the end-of-input sentinel); NUL bytes before len
 * come out as IAMW__RT_INVALID. Never allocates. (alarm_rule.re) */
iamw__rule_token iamw__rule_lex(const char *src, size_t len, size_t pos);

/* "EOF", "(", "ALARM", "NAME", ... for tests and messages. */
const char *iamw__rule_tok_name(iamw__rule_tok_kind kind);

/* ------------------------------------------------------ compiled rules */

typedef struct iamw__rule iamw__rule;

/* Compile an AlarmRule. len may be IAMW_NUL_TERMINATED. Errors (err->source
 * "rule", offset = byte offset of the offending token, or the rule length
 * for an unexpected end): IAMW_ESYNTAX, IAMW_ETOOLONG (offset 10240),
 * IAMW_EDEPTH, IAMW_ELIMIT (children, elements, name length), IAMW_ENOMEM,
 * IAMW_EINVAL (NULL arguments). First error wins. */
int iamw__rule_compile(iamw__rule **out, const char *text, size_t len, iamw_error *err);
void iamw__rule_free(iamw__rule *rule);

/* The rule text as compiled (NUL-terminated copy) and its length. */
const char *iamw__rule_source(const iamw__rule *rule);
size_t iamw__rule_source_len(const iamw__rule *rule);

/* Distinct child alarms in order of first appearance. Two references are the
 * same child when their alarm names are equal (an ARN counts by the name
 * after ":alarm:"). */
size_t iamw__rule_ref_count(const iamw__rule *rule);
/* The alarm name (an ARN reduced to its name); NULL when i is out of range. */
const char *iamw__rule_ref_name(const iamw__rule *rule, size_t i);
/* The ARN as first written for this child, or NULL if it was named plainly. */
const char *iamw__rule_ref_arn(const iamw__rule *rule, size_t i);
/* Byte offset of the child's first reference (its argument) in the rule. */
size_t iamw__rule_ref_offset(const iamw__rule *rule, size_t i);
/* Index of a child by alarm name (or ARN), or (size_t)-1. */
size_t iamw__rule_ref_find(const iamw__rule *rule, const char *name_or_arn);
/* Element count (children references + TRUE/FALSE + grouping pairs). */
size_t iamw__rule_element_count(const iamw__rule *rule);

/* Looks up a child alarm: returns 1 and fills *state (and *state_time_ms,
 * when the child entered that state) when found, 0 when unknown, or a
 * negative iamw_status that evaluation passes through. */
typedef int (*iamw__rule_lookup_fn)(const char *name, void *payload, iamw_alarm_state *state,
                                    int64_t *state_time_ms);

/* Evaluate: every distinct child is looked up once (so an unknown child is
 * reported even where short-circuiting would skip it), then the tree is
 * evaluated. *out_true = 1 (TRUE) or 0. Unknown child: IAMW_ENOTFOUND with
 * err->offset at its first reference. err may be NULL. */
int iamw__rule_eval(const iamw__rule *rule, iamw__rule_lookup_fn lookup, void *payload,
                    int *out_true, iamw_error *err);

/* Evaluate with the children's states given in ref order (n == ref_count). */
int iamw__rule_eval_states(const iamw__rule *rule, const iamw_alarm_state *states, size_t n,
                           int *out_true);

/* Canonical S-expression: (and ...), (or ...), (not x), (alarm "n"),
 * (ok "n"), (insufficient-data "n"), true, false. Names are printed as
 * written (an ARN stays an ARN) with " and \ escaped by '\'. A chain
 * `a AND b AND c` is one n-ary node; parentheses are not flattened. */
int iamw__rule_dump(const iamw__rule *rule, iamw__buf *out);

/* One composite of a set checked for reference cycles. */
typedef struct iamw__rule_set_entry {
	const char *name;       /* the composite's alarm name */
	const iamw__rule *rule; /* its compiled rule */
} iamw__rule_set_entry;

/* Detect a reference cycle among composites (edges: rule references whose
 * name is another entry's name; other names are leaves). Returns IAMW_OK or
 * IAMW_EVALIDATION with err->text "composite alarm rule cycle: A -> B -> A"
 * (source "rule", no offset). path (may be NULL) receives the full
 * "A -> B -> A" text, which err->text may have to truncate. Deterministic:
 * entries are visited in order and edges in reference order; the path starts
 * at the first composite found on the cycle. Entry names should be unique;
 * for duplicates the first entry wins. */
int iamw__rule_check_cycles(const iamw__rule_set_entry *set, size_t n, iamw__buf *path,
                            iamw_error *err);

/* ------------------------------------------------ composite state logic */

/* The state a rule result maps to: ALARM when TRUE, OK when FALSE. */
iamw_alarm_state iamw__composite_state_for(int rule_true);

/* Append "arn:aws:cloudwatch:<region>:<account>:alarm:<name>" (defaults
 * us-east-1 / 123456789012 for NULL members or a NULL acct); a name that
 * already is an ARN ("arn:...") is appended as it is. */
void iamw__composite_add_arn(iamw__buf *b, const iamw__account *acct, const char *name_or_arn);

/* "<child ARN> transitioned to <STATE> at <Friday 22 July, 2022 15:57:45 UTC>" */
void iamw__composite_reason_child(iamw__buf *b, const iamw__account *acct, const char *child,
                                  iamw_alarm_state state, int64_t state_time_ms);
/* "<composite ARN> was created and its alarm rule evaluates to <STATE>";
 * updated != 0 gives "... was updated and ..." instead. */
void iamw__composite_reason_config(iamw__buf *b, const iamw__account *acct, const char *name,
                                   int updated, iamw_alarm_state state);

/* One entry of StateReasonData triggeringAlarms. */
typedef struct iamw__composite_child {
	const char *name; /* alarm name or ARN */
	iamw_alarm_state state;
	int64_t state_time_ms;
} iamw__composite_child;

/* {"triggeringAlarms":[{"arn":"...","state":{"value":"ALARM","timestamp":
 * "2022-07-22T15:57:45.394+0000"}}, ...]} in the order given. */
void iamw__composite_reason_data(iamw__buf *b, const iamw__account *acct,
                                 const iamw__composite_child *children, size_t n);

/* Children that decide the rule's current value ("witnesses"), newest state
 * first (ties: reference order). out_idx has room for ref_count entries;
 * *n_out receives the count. states/times are in ref order. */
int iamw__rule_witnesses(const iamw__rule *rule, const iamw_alarm_state *states,
                         const int64_t *times, size_t n, size_t *out_idx, size_t *n_out);

/* Input of one composite evaluation. */
typedef struct iamw__composite_eval_in {
	const char *name; /* the composite's name */
	const iamw__rule *rule;
	const iamw__account *account; /* may be NULL: defaults */
	iamw_alarm_state current;     /* INSUFFICIENT_DATA: never evaluated (created) */
	int64_t current_since_ms;     /* when current was entered */
	const char *current_reason;   /* copied into old_reason (may be NULL) */
	const char *current_reason_data;
	/* The child whose state change caused this evaluation (name or ARN as
	 * the rule references it), or NULL for creation / configuration update. */
	const char *trigger;
	iamw__rule_lookup_fn lookup;
	void *payload;
	int64_t now_ms; /* evaluation time (creation / update) */
} iamw__composite_eval_in;

/* Evaluate a composite. Returns 1 and fills *out (strings owned by *out,
 * release with iamw__composite_state_change_clear) when the state changes,
 * 0 when it stays (out untouched), or a negative iamw_status. A child-caused
 * change is stamped with the trigger's state time; a creation or update with
 * now_ms. */
int iamw__composite_evaluate(const iamw__composite_eval_in *in, iamw__state_change *out,
                             iamw_error *err);
void iamw__composite_state_change_clear(iamw__state_change *chg);

/* ------------------------------------------------- action suppression */

typedef enum iamw__suppressed_by {
	IAMW__SUPPRESSED_NONE = 0,
	IAMW__SUPPRESSED_WAIT_PERIOD = 1,
	IAMW__SUPPRESSED_EXTENSION_PERIOD = 2,
	IAMW__SUPPRESSED_ALARM = 3
} iamw__suppressed_by;

/* Per-composite suppression state. Plain data: the engine stores it. */
typedef struct iamw__suppression {
	int has_suppressor;
	int64_t wait_ms;      /* ActionsSuppressorWaitPeriod * 1000 */
	int64_t extension_ms; /* ActionsSuppressorExtensionPeriod * 1000 */
	iamw__suppressed_by by;
	int64_t until_ms; /* end of the running wait / extension period */
	int pending;      /* a state change happened while suppressed */
	iamw_alarm_state suppressor_state;
	iamw_alarm_state composite_state; /* as last reported (starts INSUFFICIENT_DATA) */
} iamw__suppression;

/* What to do after an event. */
typedef struct iamw__suppression_result {
	/* A period that had already ended (until <= now) when the event came was
	 * closed first; if it had pending actions they run for expired_state. */
	int run_expired;
	iamw_alarm_state expired_state;
	/* Run the actions of `state` now (1) or not (0). */
	int run_actions;
	iamw_alarm_state state;
	/* Why actions are held after the event (NONE = not held); for the
	 * state change's ActionsSuppressedBy / ActionsSuppressedReason. */
	iamw__suppressed_by suppressed_by;
} iamw__suppression_result;

/* Set up from the definition (no suppressor: suppression never applies) and
 * the suppressor's current state. */
void iamw__suppression_init(iamw__suppression *s, const iamw__composite_alarm_def *def,
                            iamw_alarm_state suppressor_state);
/* The composite changed into new_state at now_ms. */
void iamw__suppression_on_composite_change(iamw__suppression *s, iamw_alarm_state new_state,
                                           int64_t now_ms, iamw__suppression_result *r);
/* The suppressor changed into sup_state at now_ms. */
void iamw__suppression_on_suppressor_change(iamw__suppression *s, iamw_alarm_state sup_state,
                                            int64_t now_ms, iamw__suppression_result *r);
/* Clock: close a wait / extension period that ended at or before now_ms;
 * pending actions then run for the composite's current state (run_actions). */
void iamw__suppression_tick(iamw__suppression *s, int64_t now_ms, iamw__suppression_result *r);
/* 1 and *deadline_ms when a period is running (call tick then), else 0. */
int iamw__suppression_deadline(const iamw__suppression *s, int64_t *deadline_ms);
/* "WaitPeriod", "ExtensionPeriod", "Alarm"; NULL for NONE. */
const char *iamw__suppressed_by_name(iamw__suppressed_by by);
/* "Actions suppressed by WaitPeriod" etc.; NULL for NONE. */
const char *iamw__suppressed_reason(iamw__suppressed_by by);

/* ------------------------------------------------ PutCompositeAlarm */

/* Read a PutCompositeAlarm request object. Wrong JSON types: IAMW_EJSON;
 * missing/violating values: IAMW_EVALIDATION (err->source "composite",
 * message naming the member); rule errors as iamw__rule_compile (source
 * "rule"). On failure *out is left zeroed. Unknown members are ignored. */
int iamw__composite_alarm_def_from_json(const struct cJSON *obj, iamw__composite_alarm_def *out,
                                        iamw_error *err);
void iamw__composite_alarm_def_free(iamw__composite_alarm_def *def);

#endif /* IAMW_COMPOSITE_H */
