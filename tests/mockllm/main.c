// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * mockllm: command line, process setup (signals, fd limit, log) and the
 * clean shutdown on SIGTERM/SIGINT. See README.md for flags and endpoints.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "mockllm.h"

struct config cfg = {
	.name = "mockllm",
	.model = "mock-model",
	.engine = ENGINE_VLLM,
	.slots = 4,
	.ttft_ms = 50,
	.tps = 100,
	.max_tokens = 16,
	.slow_factor = 4,
	.healthy = true,
};

static const char *const engines[] = {
	[ENGINE_VLLM] = "vllm",
	[ENGINE_SGLANG] = "sglang",
	[ENGINE_CHITU] = "chitu",
};

const char *engine_name(enum engine e)
{
	return engines[e];
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mockllm [options]\n"
		"  --listen ADDR:PORT   198.18.1.10:8000, [fd00:1::10]:8000 or [::]:8000\n"
		"                       (dual-stack); repeatable; default 0.0.0.0:8000;\n"
		"                       port 0 picks a free port (printed on stderr)\n"
		"  --name NAME          backend name (X-Backend header, \"backend\" field, log)\n"
		"  --model MODEL        model id served (default mock-model)\n"
		"  --slots N            requests generating at once, others queue (default 4)\n"
		"  --ttft-ms N          time to first token, ms (default 50)\n"
		"  --tps N              tokens per second per request (default 100)\n"
		"  --max-tokens N       tokens per reply when the request has no max_tokens (16)\n"
		"  --engine E           speak as vllm, sglang or chitu (default vllm): vllm\n"
		"                       and sglang GET /metrics; chitu POST /load_status,\n"
		"                       POST /ping, GET /server_status, no /metrics\n"
		"  --max-concurrent N   chitu: infer.max_concurrent_requests (503 overloaded\n"
		"                       at N requests in flight; default unset)\n"
		"  --no-metrics         sglang started without --enable-metrics (/metrics 404)\n"
		"  --log FILE           one line per finished request (\"-\": stdout)\n"
		"  --fail-health        start with /health answering 503 (SIGUSR1 toggles)\n"
		"  --slow-factor N      slow mode (SIGUSR2 toggles) multiplies ttft and token\n"
		"                       time by N (default 4)\n"
		"  --strict-model       404 for requests naming another model\n"
		"  -h, --help           this text\n");
}

static int parse_uint(const char *opt, const char *s, unsigned int min, unsigned int max,
		      unsigned int *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *end || errno || !isdigit((unsigned char)*s) || v < min || v > max) {
		fprintf(stderr, "mockllm: --%s wants an integer in [%u, %u], not '%s'\n", opt, min,
			max, s);
		return -1;
	}
	*out = (unsigned int)v;
	return 0;
}

/* Names go into headers, log lines and label values: keep them plain. */
static int check_ident(const char *opt, const char *s)
{
	size_t len = strlen(s);

	for (size_t i = 0; i < len; i++) {
		if (!isgraph((unsigned char)s[i]) || s[i] == '"' || s[i] == '\\') {
			fprintf(stderr, "mockllm: --%s: no spaces, quotes or control characters\n",
				opt);
			return -1;
		}
	}
	if (!len || len > 128) {
		fprintf(stderr, "mockllm: --%s must be 1 to 128 characters\n", opt);
		return -1;
	}
	return 0;
}

static int parse_args(int argc, char **argv)
{
	enum { O_TTFT = 256, O_TPS, O_MAXTOK, O_SLOWF, O_FAIL, O_STRICT, O_MAXC, O_NOMET };
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "name", required_argument, NULL, 'n' },
		{ "model", required_argument, NULL, 'm' },
		{ "slots", required_argument, NULL, 's' },
		{ "ttft-ms", required_argument, NULL, O_TTFT },
		{ "tps", required_argument, NULL, O_TPS },
		{ "max-tokens", required_argument, NULL, O_MAXTOK },
		{ "engine", required_argument, NULL, 'e' },
		{ "log", required_argument, NULL, 'L' },
		{ "fail-health", no_argument, NULL, O_FAIL },
		{ "slow-factor", required_argument, NULL, O_SLOWF },
		{ "strict-model", no_argument, NULL, O_STRICT },
		{ "max-concurrent", required_argument, NULL, O_MAXC },
		{ "no-metrics", no_argument, NULL, O_NOMET },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int o;

	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 'l':
			if (cfg.n_listen == MAX_LISTEN) {
				fprintf(stderr, "mockllm: at most %d --listen\n", MAX_LISTEN);
				return -1;
			}
			cfg.listen[cfg.n_listen++] = optarg;
			break;
		case 'n':
			if (check_ident("name", optarg))
				return -1;
			cfg.name = optarg;
			break;
		case 'm':
			if (check_ident("model", optarg))
				return -1;
			cfg.model = optarg;
			break;
		case 's':
			if (parse_uint("slots", optarg, 1, 100000, &cfg.slots))
				return -1;
			break;
		case O_TTFT:
			if (parse_uint("ttft-ms", optarg, 0, 3600000, &cfg.ttft_ms))
				return -1;
			break;
		case O_TPS:
			if (parse_uint("tps", optarg, 1, 1000000, &cfg.tps))
				return -1;
			break;
		case O_MAXTOK:
			if (parse_uint("max-tokens", optarg, 1, TOKENS_MAX, &cfg.max_tokens))
				return -1;
			break;
		case O_SLOWF:
			if (parse_uint("slow-factor", optarg, 1, 1000, &cfg.slow_factor))
				return -1;
			break;
		case 'e':
			for (o = 0; o < (int)ARRAY_SIZE(engines); o++)
				if (!strcmp(optarg, engines[o]))
					break;
			if (o == (int)ARRAY_SIZE(engines)) {
				fprintf(stderr, "mockllm: --engine: vllm, sglang or chitu\n");
				return -1;
			}
			cfg.engine = (enum engine)o;
			break;
		case 'L':
			cfg.log_path = optarg;
			break;
		case O_FAIL:
			cfg.healthy = false;
			break;
		case O_STRICT:
			cfg.strict_model = true;
			break;
		case O_MAXC:
			if (parse_uint("max-concurrent", optarg, 1, 100000, &cfg.max_concurrent))
				return -1;
			break;
		case O_NOMET:
			cfg.no_metrics = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mockllm: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (!cfg.n_listen)
		cfg.listen[cfg.n_listen++] = "0.0.0.0:8000";
	return 0;
}

/* Hundreds of connections: take the hard fd limit. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	int err, ret = 1;

	if (parse_args(argc, argv))
		return 2;
	signal(SIGPIPE, SIG_IGN);
	raise_nofile();
	err = log_open(cfg.log_path);
	if (err) {
		fprintf(stderr, "mockllm: --log %s: %s\n", cfg.log_path, strerror(-err));
		return 1;
	}
	if (server_init())
		goto out;
	if (server_run())
		goto out;
	fprintf(stderr, "mockllm %s: shutting down\n", cfg.name);
	ret = 0;
out:
	server_fini();
	log_close();
	return ret;
}
