/* SPDX-License-Identifier: MIT */
/*
 * cmd_scan.c - `iamwatch scan`: replay CloudTrail input through metric
 * filters and alarms (built-in packs or rule files) and print one
 * notification per alarm state change. The clock follows the events: after
 * each record the engine is advanced to the latest event time seen (less
 * --delay, the engine's replay_delay_ms), and at
 * the end (unless the run is one of a resumable series) it is drained so
 * that every alarm reaches its final state. With --state the engine's state
 * and the input progress are checkpointed atomically, so that a series of
 * runs, or a run killed and restarted, gives the same notifications as one
 * uninterrupted run.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "packs.h"
#include "records.h"

static const char usage[] =
    "Usage: iamwatch scan [--rules NAME|FILE]... [--state FILE] [--output FILE]\n"
    "                     [--format sns|eventbridge|text] [--fail-on-alarm] [--drain|--no-drain]\n"
    "                     [--time event|log] [--account ID] [--region REGION] [--quiet]\n"
    "                     [INPUT...]\n"
    "\n"
    "Replay CloudTrail records through CloudWatch metric filters and alarms and print\n"
    "one notification per alarm state change.\n"
    "\n"
    "INPUT is a file or a directory (walked recursively in name order), or - for\n"
    "standard input (the default): CloudTrail S3 files {\"Records\":[...]}, NDJSON,\n"
    "CloudWatch Logs exports or EventBridge envelopes, plain or gzip.\n"
    "\n"
    "  --rules NAME|FILE  built-in pack (iam-changes, cis, cis@1.2 ... cis@7.0) or a rules\n"
    "                     document, CloudFormation JSON template or `terraform show -json`\n"
    "                     output; repeatable (default: iam-changes)\n"
    "  --format F         sns (SNS message bodies, NDJSON; default), eventbridge, or text\n"
    "  --state FILE       resume from and save to FILE (atomic); files already scanned are\n"
    "                     skipped. Implies --no-drain unless --drain is given\n"
    "  --output FILE      append notifications to FILE instead of standard output; with\n"
    "                     --state, a restarted run first cuts FILE back to the checkpoint\n"
    "  --drain            after the input, let time run on until every alarm settled\n"
    "  --delay SECONDS    evaluate alarms this far behind the newest event, so that records\n"
    "                     arriving out of order within the delay still count (default 300,\n"
    "                     CloudTrail's delivery interval)\n"
    "  --time event|log   bucket by CloudTrail eventTime (default) or by the CloudWatch\n"
    "                     Logs event timestamp when the input carries one\n"
    "  --fail-on-alarm    exit 3 when any alarm entered ALARM\n"
    "  --account, --region  for ARNs and notification bodies (default 123456789012,\n"
    "                     us-east-1)\n"
    "  --quiet            no summary on standard error\n"
    "\n"
    "Exit status: 0 done, 3 an alarm entered ALARM (with --fail-on-alarm), 2 errors.\n";

#define CHECKPOINT_EVERY 100000

typedef struct scan {
	iamw_engine *engine;
	iamw_render_format format;
	int color;
	FILE *out;
	int out_is_file;
	unsigned long long alarms_entered;
	unsigned long long notifications;
	int render_failed;
} scan;

static void on_notification(const iamw_notification *n, void *payload)
{
	scan *s = payload;
	char *text;
	size_t len;
	if (iamw_notification_render(n, s->format, &text, &len) != IAMW_OK) {
		s->render_failed = 1;
		return;
	}
	if (s->color) {
		const char *c = "\033[33m";
		if (iamw_notification_new_state(n) == IAMW_STATE_ALARM)
			c = "\033[1;31m";
		else if (iamw_notification_new_state(n) == IAMW_STATE_OK)
			c = "\033[32m";
		fprintf(s->out, "%s%s\033[0m\n", c, text);
	} else {
		fwrite(text, 1, len, s->out);
		fputc('\n', s->out);
	}
	iamw_free(text);
	s->notifications++;
	if (iamw_notification_new_state(n) == IAMW_STATE_ALARM)
		s->alarms_entered++;
}

/* ------------------------------------------------------------------ checkpoint */

typedef struct progress {
	cJSON *done;           /* array of {"path","size"} of files fully scanned */
	char *current;         /* file being scanned at the checkpoint */
	unsigned long long current_records; /* records of it already ingested */
	long long output_offset;
} progress;

static long long file_size(const char *path)
{
	struct stat st;
	return strcmp(path, "-") != 0 && stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

static int file_done(const progress *p, const char *path)
{
	long long size = file_size(path);
	for (const cJSON *it = p->done ? p->done->child : NULL; it; it = it->next) {
		const cJSON *pa = cJSON_GetObjectItemCaseSensitive(it, "path");
		const cJSON *sz = cJSON_GetObjectItemCaseSensitive(it, "size");
		if (cJSON_IsString(pa) && strcmp(pa->valuestring, path) == 0 && cJSON_IsNumber(sz) &&
		    (long long)sz->valuedouble == size)
			return 1;
	}
	return 0;
}

/* Write state atomically: a temporary file in the same directory, fsync,
 * rename over the old one, fsync the directory. */
static int write_state(const char *path, const scan *s, const progress *p, char *errmsg,
                       size_t errsize)
{
	char *engine_state;
	size_t elen;
	if (iamw_engine_save_state(s->engine, &engine_state, &elen) != IAMW_OK) {
		snprintf(errmsg, errsize, "cannot save the engine state");
		return -1;
	}
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		snprintf(errmsg, errsize, "%.400s: %s", tmp, strerror(errno));
		iamw_free(engine_state);
		return -1;
	}
	char *done = cJSON_PrintUnformatted(p->done);
	FILE *f = fdopen(fd, "w");
	if (!f) {
		snprintf(errmsg, errsize, "%.400s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		cJSON_free(done);
		iamw_free(engine_state);
		return -1;
	}
	fprintf(f, "{\"format\":\"iamwatch-scan-state\",\"version\":1,\"done\":%s,\"current\":",
	        done ? done : "[]");
	if (p->current)
		fput_json_string(f, p->current, strlen(p->current));
	else
		fputs("null", f);
	fprintf(f, ",\"currentRecords\":%llu,\"outputOffset\":%lld,\"engine\":%s}\n",
	        p->current_records, p->output_offset, engine_state);
	cJSON_free(done);
	iamw_free(engine_state);
	int ok = fflush(f) == 0 && fsync(fd) == 0;
	ok &= fclose(f) == 0;
	if (!ok || rename(tmp, path) != 0) {
		snprintf(errmsg, errsize, "%.400s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof dir, ".");
	int dfd = open(dir, O_RDONLY);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

static int checkpoint(const char *state_path, scan *s, progress *p, char *errmsg, size_t errsize)
{
	if (!state_path)
		return 0;
	fflush(s->out);
	if (s->out_is_file) {
		fsync(fileno(s->out));
		p->output_offset = ftell(s->out);
	}
	return write_state(state_path, s, p, errmsg, errsize);
}

static int read_state(const char *path, scan *s, progress *p, char *errmsg, size_t errsize)
{
	char *data;
	size_t len;
	if (access(path, F_OK) != 0)
		return 0; /* first run */
	if (slurp_file(path, &data, &len, errmsg, errsize) < 0)
		return -1;
	cJSON *doc = cJSON_ParseWithLength(data, len);
	free(data);
	const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(doc, "format");
	const cJSON *ver = cJSON_GetObjectItemCaseSensitive(doc, "version");
	const cJSON *done = cJSON_GetObjectItemCaseSensitive(doc, "done");
	const cJSON *cur = cJSON_GetObjectItemCaseSensitive(doc, "current");
	const cJSON *crec = cJSON_GetObjectItemCaseSensitive(doc, "currentRecords");
	const cJSON *off = cJSON_GetObjectItemCaseSensitive(doc, "outputOffset");
	const cJSON *eng = cJSON_GetObjectItemCaseSensitive(doc, "engine");
	if (!cJSON_IsObject(doc) || !cJSON_IsString(fmt) ||
	    strcmp(fmt->valuestring, "iamwatch-scan-state") != 0 || !cJSON_IsNumber(ver) ||
	    ver->valuedouble != 1 || !cJSON_IsArray(done) || !cJSON_IsNumber(crec) ||
	    !cJSON_IsNumber(off) || !cJSON_IsObject(eng) || !(cJSON_IsString(cur) || cJSON_IsNull(cur))) {
		snprintf(errmsg, errsize, "%s: not an iamwatch scan state file (or corrupt)", path);
		cJSON_Delete(doc);
		return -1;
	}
	char *engine_text = cJSON_PrintUnformatted(eng);
	iamw_error err;
	int rc = iamw_engine_restore_state(s->engine, engine_text, strlen(engine_text), &err);
	cJSON_free(engine_text);
	if (rc != IAMW_OK) {
		snprintf(errmsg, errsize, "%s: %s", path, err.text);
		cJSON_Delete(doc);
		return -1;
	}
	cJSON_Delete(p->done);
	p->done = cJSON_Duplicate(done, 1);
	p->current = cJSON_IsString(cur) ? strdup(cur->valuestring) : NULL;
	p->current_records = (unsigned long long)crec->valuedouble;
	p->output_offset = (long long)off->valuedouble;
	cJSON_Delete(doc);
	return 0;
}

/* ------------------------------------------------------------------ the scan */

/* One input file on its way through the decoder into the engine. */
typedef struct reading {
	scan *s;
	const char *path;
	const char *state_path;
	progress *p;
	unsigned long long skip; /* records a previous run ingested already */
	unsigned long long *events, *problems;
	unsigned long long files, bytes;
	int *file_errors;
	int tty;
} reading;

static int on_problem(const iamw_record_problem *prob, void *payload)
{
	reading *rd = payload;
	(*rd->problems)++;
	print_record_problem(rd->path, prob);
	if (prob->fatal)
		*rd->file_errors = 1;
	return 0;
}

static int on_record(const iamw_record *rec, void *payload)
{
	reading *rd = payload;
	char errmsg[512];
	if (++rd->p->current_records <= rd->skip)
		return 0;
	int r = iamw_engine_ingest_record(rd->s->engine, rec, IAMW_INGEST_ADVANCE);
	if (r == IAMW_EJSON || r == IAMW_ELIMIT) {
		(*rd->problems)++;
		fprintf(stderr, "iamwatch scan: %s:%llu: skipped: %s\n", rd->path,
		        (unsigned long long)rec->line,
		        r == IAMW_EJSON ? "not a CloudTrail record with an eventTime"
		                        : iamw_strerror(r));
		return 0;
	}
	if (r < 0) {
		fprintf(stderr, "iamwatch scan: evaluation failed: %s\n", iamw_strerror(r));
		return 1; /* stop */
	}
	if (++*rd->events % 50000 == 0 && rd->tty)
		fprintf(stderr, "\r%llu files, %llu records, %.1f MB ...", rd->files, *rd->events,
		        (double)rd->bytes / 1e6);
	if (rd->state_path && rd->p->current_records % CHECKPOINT_EVERY == 0 &&
	    checkpoint(rd->state_path, rd->s, rd->p, errmsg, sizeof errmsg) != 0) {
		fprintf(stderr, "iamwatch scan: %s\n", errmsg);
		return 1;
	}
	return 0;
}

static int scan_inputs(scan *s, const char *const *paths, size_t n, const char *state_path,
                       progress *p, int quiet, unsigned long long *problems, int *file_errors)
{
	/* Files a previous run finished are skipped; so are the records of a
	 * file it had only begun, up to its checkpoint. */
	const char **todo = malloc((n ? n : 1) * sizeof *todo);
	iamw_decoder *d = NULL;
	if (!todo || iamw_decoder_new(&d, NULL) != IAMW_OK) {
		fprintf(stderr, "iamwatch scan: out of memory\n");
		free(todo);
		return -1;
	}
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (!file_done(p, paths[i]))
			todo[m++] = paths[i];
	unsigned long long events = 0;
	reading rd = {.s = s, .state_path = state_path, .p = p, .events = &events,
	              .problems = problems, .file_errors = file_errors,
	              .tty = isatty(STDERR_FILENO) && !quiet};
	int rc = iamw_decoder_set_callbacks(d, on_record, on_problem, &rd);
	char errmsg[512];
	for (size_t i = 0; i < m && rc == 0; i++) {
		rd.path = strcmp(todo[i], "-") == 0 ? "<stdin>" : todo[i]; /* as messages name it */
		rd.skip = p->current && strcmp(p->current, todo[i]) == 0 ? p->current_records : 0;
		free(p->current);
		p->current = strdup(todo[i]);
		p->current_records = 0;
		rd.files++;
		int r = read_records(d, todo[i], &rd.bytes);
		if (r != 0) { /* a callback said why it stopped; the decoder did not */
			if (r < 0)
				fprintf(stderr, "iamwatch scan: %s: %s\n", rd.path,
				        iamw_strerror(r));
			rc = -1;
			break;
		}
		cJSON *entry = cJSON_CreateObject();
		cJSON_AddStringToObject(entry, "path", todo[i]);
		cJSON_AddNumberToObject(entry, "size", (double)file_size(todo[i]));
		if (strcmp(todo[i], "-") != 0)
			cJSON_AddItemToArray(p->done, entry);
		else
			cJSON_Delete(entry);
		free(p->current);
		p->current = NULL;
		p->current_records = 0;
		if (checkpoint(state_path, s, p, errmsg, sizeof errmsg) != 0) {
			fprintf(stderr, "iamwatch scan: %s\n", errmsg);
			rc = -1;
		}
	}
	if (rd.tty && events >= 50000)
		fputs("\r\033[K", stderr);
	iamw_decoder_free(d);
	free(todo);
	return rc;
}

static void summary(const scan *s, unsigned long long problems)
{
	iamw_engine_stats st;
	iamw_engine_get_stats(s->engine, &st);
	fprintf(stderr, "iamwatch scan: %llu events, %llu skipped, %llu notifications",
	        (unsigned long long)st.events, problems, s->notifications);
	if (st.late)
		fprintf(stderr, ", %llu out of order", (unsigned long long)st.late);
	fputc('\n', stderr);
	for (size_t i = 0; i < iamw_engine_filter_count(s->engine); i++) {
		uint64_t m, pts, sk;
		iamw_engine_filter_counts(s->engine, i, &m, &pts, &sk);
		if (m)
			fprintf(stderr, "  %-48s %llu matches\n", iamw_engine_filter_name(s->engine, i),
			        (unsigned long long)m);
	}
	int any = 0;
	for (size_t i = 0; i < iamw_engine_alarm_count(s->engine) + iamw_engine_composite_count(s->engine); i++) {
		size_t na = iamw_engine_alarm_count(s->engine);
		const char *name = i < na ? iamw_engine_alarm_name(s->engine, i)
		                          : iamw_engine_composite_name(s->engine, i - na);
		iamw_alarm_state st2;
		if (iamw_engine_alarm_state(s->engine, name, &st2) && st2 == IAMW_STATE_ALARM) {
			fprintf(stderr, "%s  in ALARM: %s\n", any ? "" : "", name);
			any = 1;
		}
	}
	if (!any)
		fprintf(stderr, "  no alarm is in ALARM\n");
}

int cmd_scan(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"rules", required_argument, NULL, 'r'},   {"state", required_argument, NULL, 's'},
	    {"output", required_argument, NULL, 'o'},  {"format", required_argument, NULL, 'f'},
	    {"fail-on-alarm", no_argument, NULL, 'F'}, {"drain", no_argument, NULL, 'd'},
	    {"no-drain", no_argument, NULL, 'D'},      {"time", required_argument, NULL, 't'},
	    {"account", required_argument, NULL, 'a'}, {"region", required_argument, NULL, 'R'},
	    {"quiet", no_argument, NULL, 'q'},         {"help", no_argument, NULL, 'h'},
	    {"delay", required_argument, NULL, 'L'},
	    {NULL, 0, NULL, 0}};
	const char *rules[64];
	size_t n_rules = 0;
	const char *state_path = NULL, *output = NULL, *format = "sns", *time_src = "event";
	int fail_on_alarm = 0, drain = -1, quiet = 0;
	long delay_s = 300;
	iamw_engine_options eo;
	iamw_engine_options_init(&eo, IAMW_ENGINE_OPTIONS_VERSION);
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "r:s:o:f:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (n_rules == 64) {
				fprintf(stderr, "iamwatch scan: too many --rules\n");
				return EXIT_TROUBLE;
			}
			rules[n_rules++] = optarg;
			break;
		case 's': state_path = optarg; break;
		case 'o': output = optarg; break;
		case 'f': format = optarg; break;
		case 'F': fail_on_alarm = 1; break;
		case 'd': drain = 1; break;
		case 'D': drain = 0; break;
		case 't': time_src = optarg; break;
		case 'a': eo.account_id = optarg; break;
		case 'R': eo.region = optarg; break;
		case 'q': quiet = 1; break;
		case 'L': {
			char *end;
			delay_s = strtol(optarg, &end, 10);
			if (*end || delay_s < 0 || delay_s > 86400) {
				fprintf(stderr, "iamwatch scan: --delay takes 0 to 86400 seconds\n");
				return EXIT_TROUBLE;
			}
			break;
		}
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return EXIT_TROUBLE;
		}
	}
	scan s;
	memset(&s, 0, sizeof s);
	eo.replay_delay_ms = (int64_t)delay_s * 1000;
	if (strcmp(format, "sns") == 0)
		s.format = IAMW_RENDER_SNS;
	else if (strcmp(format, "eventbridge") == 0)
		s.format = IAMW_RENDER_EVENTBRIDGE;
	else if (strcmp(format, "text") == 0)
		s.format = IAMW_RENDER_TEXT;
	else {
		fprintf(stderr, "iamwatch scan: unknown --format '%s' (sns, eventbridge, text)\n", format);
		return EXIT_TROUBLE;
	}
	if (strcmp(time_src, "log") == 0)
		eo.time_source = IAMW_TIME_CALLER;
	else if (strcmp(time_src, "event") != 0) {
		fprintf(stderr, "iamwatch scan: unknown --time '%s' (event, log)\n", time_src);
		return EXIT_TROUBLE;
	}
	if (drain < 0)
		drain = state_path == NULL;
	if (!n_rules)
		rules[n_rules++] = "iam-changes";
	if (iamw_engine_new(&s.engine, &eo) != IAMW_OK) {
		fprintf(stderr, "iamwatch scan: cannot create the engine\n");
		return EXIT_TROUBLE;
	}
	int status = EXIT_TROUBLE;
	path_list inputs = {0};
	progress p;
	memset(&p, 0, sizeof p);
	p.done = cJSON_CreateArray();
	char errmsg[512];
	for (size_t i = 0; i < n_rules; i++) {
		char *data, label[256];
		size_t len;
		int is_static;
		if (rules_resolve(rules[i], &data, &len, &is_static, label, sizeof label, errmsg,
		                  sizeof errmsg) != 0) {
			fprintf(stderr, "iamwatch scan: %s\n", errmsg);
			goto out;
		}
		iamw_load_error err;
		int rc = iamw_engine_load_rules_from(s.engine, data, len, label, &err);
		if (rc != IAMW_OK) {
			char line[2048];
			iamw_load_error_format(&err, line, sizeof line);
			fprintf(stderr, "iamwatch scan: %s\n", line);
		}
		if (!is_static)
			free(data);
		if (rc != IAMW_OK)
			goto out;
	}
	/* A first run of a series has no checkpoint to cut the output back to:
	 * it keeps what the output file holds and records that as its first
	 * checkpoint, so that a restart after a kill cuts back to there. */
	int fresh_state = state_path && access(state_path, F_OK) != 0;
	if (state_path && read_state(state_path, &s, &p, errmsg, sizeof errmsg) != 0) {
		fprintf(stderr, "iamwatch scan: %s\n", errmsg);
		goto out;
	}
	if (output) {
		/* Cut the output back to the checkpoint: what a killed run wrote after
		 * it is written again, identically, by this run. */
		int fd = open(output, O_WRONLY | O_CREAT, 0644);
		if (fd < 0 || (state_path && !fresh_state && ftruncate(fd, p.output_offset) != 0) ||
		    lseek(fd, 0, SEEK_END) < 0 || !(s.out = fdopen(fd, "a"))) {
			fprintf(stderr, "iamwatch scan: %s: %s\n", output, strerror(errno));
			if (fd >= 0)
				close(fd);
			goto out;
		}
		s.out_is_file = 1;
	} else {
		s.out = stdout;
		s.color = s.format == IAMW_RENDER_TEXT && isatty(STDOUT_FILENO);
	}
	iamw_engine_set_notify_cb(s.engine, on_notification, &s);
	if (fresh_state && checkpoint(state_path, &s, &p, errmsg, sizeof errmsg) != 0) {
		fprintf(stderr, "iamwatch scan: %s\n", errmsg);
		goto out;
	}
	unsigned long long problems = 0;
	int file_errors = 0;
	int rc = expand_paths(&inputs, argv + optind, (size_t)(argc - optind), &problems,
	                      &file_errors);
	if (rc != 0)
		fprintf(stderr, "iamwatch scan: out of memory\n");
	else
		rc = scan_inputs(&s, (const char *const *)inputs.v, inputs.n, state_path, &p, quiet,
		                 &problems, &file_errors);
	if (rc == 0 && drain) {
		if (iamw_engine_drain(s.engine) < 0)
			rc = -1;
		else if (checkpoint(state_path, &s, &p, errmsg, sizeof errmsg) != 0) {
			fprintf(stderr, "iamwatch scan: %s\n", errmsg);
			rc = -1;
		}
	}
	fflush(s.out);
	if (!quiet)
		summary(&s, problems);
	if (s.render_failed)
		fprintf(stderr, "iamwatch scan: a notification could not be rendered\n");
	if (rc != 0 || file_errors || s.render_failed)
		status = EXIT_TROUBLE;
	else if (fail_on_alarm && s.alarms_entered)
		status = EXIT_ALARM;
	else
		status = 0;
out:
	if (s.out && s.out_is_file)
		fclose(s.out);
	path_list_free(&inputs);
	cJSON_Delete(p.done);
	free(p.current);
	iamw_engine_free(s.engine);
	return status;
}
