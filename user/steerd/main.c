// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * steerd: reads the policy, probes backends, decides a weighted backend
 * set for every (tenant, task) class and publishes it into the pinned BPF
 * maps that steer_xdp / steer_tc use.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "util/util.h"
#include "metrics/metrics.h"
#include "steerd/ctl.h"
#include "steerd/steerd.h"

#define STEERD_VERSION "0.1.0"
#define PROBE_MAX_BODY (1024 * 1024)

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: steerd --config FILE [options]\n"
		"       steerd --check --config FILE\n"
		"\n"
		"  -c, --config FILE      policy file (YAML; see docs/policy.md)\n"
		"      --check            validate FILE and exit: 0 valid, 1 invalid\n"
		"  -P, --pin-root DIR     bpffs directory for maps and links [%s]\n"
		"  -x, --xdp IFNAME       attach steer_xdp to IFNAME (repeatable; adds to the "
		"policy's)\n"
		"  -t, --tc IFNAME        attach steer_tc (TC ingress) to IFNAME (repeatable)\n"
		"      --xdp-generic      generic (skb) XDP instead of native: slower, for tests\n"
		"      --tc-mode MODE     steer_tc through tcx (kernel >= 6.6), clsact (a cls_bpf\n"
		"                         filter, any kernel) or auto: tcx, else clsact [policy's\n"
		"                         interfaces.tc_mode, auto]\n"
		"      --no-attach        attach nothing: publish into the maps only\n"
		"  -f, --foreground       stay in the foreground (else daemonize, log to syslog)\n"
		"      --syslog           log to syslog\n"
		"  -l, --log-level LEVEL  error, warn, info (default) or debug\n"
		"      --once             decide and publish once, then exit\n"
		"      --detach-on-exit   on SIGTERM, detach the programs (default: keep steering)\n"
		"      --keep-caps        keep every capability (default: after attaching, keep\n"
		"                         only cap_bpf, cap_net_admin, cap_perfmon)\n"
		"      --metrics ADDR:PORT  serve Prometheus /metrics there ([::1]:PORT for IPv6;\n"
		"                         'off' disables) [" METRICS_DEFAULT_ADDR "]\n"
		"  -s, --socket PATH      control socket for steerctl ('none': no socket) [" PROTO_SOCKET_DEFAULT "]\n"
		"      --state FILE       runtime changes made with steerctl [/var/lib/steer/state.json]\n"
		"      --read-group GROUP steerctl read-only commands for GROUP too; the socket\n"
		"                         becomes 0660 with this group [0600: root only]\n"
		"      --admin-group GROUP steerctl changes for GROUP too [root only]; without\n"
		"                         --read-group the socket is 0660 with this group\n"
		"      --flows-group GROUP flows shows client addresses to GROUP too [root and\n"
		"                         the admin group]\n"
		"      --ctl-idle-ms MS   close a control connection idle for MS [10000]\n"
		"  -V, --version          print the version\n"
		"  -h, --help             this help\n"
		"\n"
		"Signals: SIGHUP reloads the policy (a bad file is rejected whole and the running\n"
		"policy stays); SIGTERM/SIGINT stop steerd, leaving the data plane steering with\n"
		"the last tables unless --detach-on-exit.\n",
		STEER_PIN_ROOT_DEFAULT);
}

static int add_iface(char (*list)[16], int *n, const char *name, const char *what)
{
	if (*n >= POLICY_MAX_IFACES) {
		fprintf(stderr, "steerd: at most %d %s interfaces\n", POLICY_MAX_IFACES, what);
		return -1;
	}
	if (!*name || strlen(name) >= 16 || strchr(name, '/')) {
		fprintf(stderr, "steerd: --%s expects an interface name (1-15 characters), got '%s'\n",
			what, name);
		return -1;
	}
	snprintf(list[(*n)++], 16, "%s", name);
	return 0;
}

static int parse_args(int argc, char **argv, struct steerd_opts *o, int *level, bool *use_syslog)
{
	enum { OPT_CHECK = 256, OPT_GENERIC, OPT_NO_ATTACH, OPT_SYSLOG, OPT_ONCE, OPT_DETACH,
	       OPT_TC_MODE, OPT_KEEP_CAPS };
	enum { OPT_METRICS = 0x300 }; /* metrics/ */
	enum { OPT_STATE = 0x400, OPT_READ_GROUP, OPT_ADMIN_GROUP, OPT_FLOWS_GROUP,
	       OPT_CTL_IDLE }; /* ctl*.c */
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "pin-root", required_argument, NULL, 'P' },
		{ "xdp", required_argument, NULL, 'x' },
		{ "tc", required_argument, NULL, 't' },
		{ "xdp-generic", no_argument, NULL, OPT_GENERIC },
		{ "tc-mode", required_argument, NULL, OPT_TC_MODE },
		{ "no-attach", no_argument, NULL, OPT_NO_ATTACH },
		{ "foreground", no_argument, NULL, 'f' },
		{ "syslog", no_argument, NULL, OPT_SYSLOG },
		{ "log-level", required_argument, NULL, 'l' },
		{ "once", no_argument, NULL, OPT_ONCE },
		{ "detach-on-exit", no_argument, NULL, OPT_DETACH },
		{ "keep-caps", no_argument, NULL, OPT_KEEP_CAPS }, /* caps.c */
		{ "metrics", required_argument, NULL, OPT_METRICS }, /* metrics/ */
		{ "socket", required_argument, NULL, 's' },		/* ctl*.c */
		{ "state", required_argument, NULL, OPT_STATE },	/* ctl*.c */
		{ "read-group", required_argument, NULL, OPT_READ_GROUP }, /* ctl*.c */
		{ "admin-group", required_argument, NULL, OPT_ADMIN_GROUP }, /* ctl*.c */
		{ "flows-group", required_argument, NULL, OPT_FLOWS_GROUP }, /* ctl*.c */
		{ "ctl-idle-ms", required_argument, NULL, OPT_CTL_IDLE },	/* ctl*.c */
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:P:x:t:fl:s:Vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case OPT_CHECK:
			o->check = true;
			break;
		case 'P':
			o->pin_root = optarg;
			break;
		case 'x':
			if (add_iface(o->xdp, &o->n_xdp, optarg, "xdp"))
				return 2;
			break;
		case 't':
			if (add_iface(o->tc, &o->n_tc, optarg, "tc"))
				return 2;
			break;
		case OPT_GENERIC:
			o->xdp_generic = true;
			break;
		case OPT_TC_MODE:
			if (!strcmp(optarg, "auto"))
				o->tc_mode = DP_TC_AUTO;
			else if (!strcmp(optarg, "tcx"))
				o->tc_mode = DP_TC_TCX;
			else if (!strcmp(optarg, "clsact"))
				o->tc_mode = DP_TC_CLSACT;
			else {
				fprintf(stderr, "steerd: --tc-mode expects auto, tcx or clsact, got "
						"'%s'\n", optarg);
				return 2;
			}
			break;
		case OPT_NO_ATTACH:
			o->no_attach = true;
			break;
		case 'f':
			o->foreground = true;
			break;
		case OPT_SYSLOG:
			*use_syslog = true;
			break;
		case 'l':
			*level = util_log_level_parse(optarg);
			if (*level < 0) {
				fprintf(stderr, "steerd: --log-level expects error, warn, info or "
						"debug, got '%s'\n", optarg);
				return 2;
			}
			break;
		case OPT_ONCE:
			o->once = true;
			break;
		case OPT_DETACH:
			o->detach_on_exit = true;
			break;
		case OPT_KEEP_CAPS:
			o->keep_caps = true;
			break;
		case OPT_METRICS: { /* metrics/ */
			struct sockaddr_storage ss;
			socklen_t sl;

			if (strcmp(optarg, "off") && metrics_parse_addr(optarg, &ss, &sl)) {
				fprintf(stderr, "steerd: --metrics expects ADDR:PORT (e.g. "
						"127.0.0.1:9464, [::1]:9464) or off, got '%s'\n",
					optarg);
				return 2;
			}
			o->metrics = optarg;
			break;
		}
		case 's': /* ctl*.c */
			o->ctl_socket = optarg;
			break;
		case OPT_STATE:
			o->ctl_state = optarg;
			break;
		case OPT_READ_GROUP:
			o->read_group = optarg;
			break;
		case OPT_ADMIN_GROUP:
			o->admin_group = optarg;
			break;
		case OPT_FLOWS_GROUP:
			o->flows_group = optarg;
			break;
		case OPT_CTL_IDLE: {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);

			if (!*optarg || *end || v < 100 || v > 3600000) {
				fprintf(stderr, "steerd: --ctl-idle-ms expects 100..3600000, got '%s'\n",
					optarg);
				return 2;
			}
			o->ctl_idle_ms = (unsigned int)v;
			break;
		}
		case 'V':
			printf("steerd %s\n", STEERD_VERSION);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "steerd: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (!o->config) {
		fprintf(stderr, "steerd: --config FILE is required\n");
		usage(stderr);
		return 2;
	}
	return 0;
}

static int load_policy(const char *path, struct policy *pol, bool quiet_ok)
{
	if (steerd_policy_load(path, pol, true))
		return -1;
	if (!quiet_ok)
		printf("%s: valid: %zu services, %zu tasks, %zu models, %zu backends, %zu "
		       "tenants\n",
		       path, pol->n_services, pol->n_tasks, pol->n_models, pol->n_backends,
		       pol->n_tenants);
	return 0;
}

/*
 * daemon() changes to /: every path option becomes absolute first, or a
 * relative --config breaks every later reload. Symbolic links are kept (a
 * reload follows the link to its new target).
 */
static int paths_absolute(struct steerd_opts *o, char **owned, size_t n_owned)
{
	const char **paths[] = { &o->config, &o->pin_root, &o->ctl_socket, &o->ctl_state };
	size_t i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]) && i < n_owned; i++) {
		if (!*paths[i] || (paths[i] == &o->ctl_socket && !strcmp(*paths[i], "none")))
			continue;
		owned[i] = util_abspath(*paths[i]);
		if (!owned[i]) {
			fprintf(stderr, "steerd: %s: %s\n", *paths[i], strerror(errno));
			return -1;
		}
		*paths[i] = owned[i];
	}
	return 0;
}

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char msg[1024];
	size_t len;

	if (level == LIBBPF_DEBUG && !util_log_enabled(UTIL_LOG_DEBUG))
		return 0;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	len = strlen(msg);
	if (len && msg[len - 1] == '\n')
		msg[len - 1] = '\0';
	util_log(level == LIBBPF_WARN ? UTIL_LOG_WARN : UTIL_LOG_DEBUG, "libbpf: %s", msg);
	return 0;
}

int main(int argc, char **argv)
{
	struct steerd d = { 0 };
	struct dp_opts dpo = { 0 };
	char *owned[4] = { NULL };
	bool use_syslog = false;
	int level = UTIL_LOG_INFO;
	int err, rc = 1;

	d.sigfd = -1;
	d.opts.tc_mode = -1;
	d.lock_fd = -1;
	err = parse_args(argc, argv, &d.opts, &level, &use_syslog);
	if (err)
		return err;
	if (d.opts.check)
		return load_policy(d.opts.config, &d.pol, false) ? 1 : (policy_free(&d.pol), 0);
	if (paths_absolute(&d.opts, owned, sizeof(owned) / sizeof(owned[0])))
		return 1;

	util_log_init("steerd", level, use_syslog);
	libbpf_set_print(libbpf_log);
	if (load_policy(d.opts.config, &d.pol, true))
		goto out;
	if (steerd_lock(&d)) /* lock.c: before anything touches the pins */
		goto out;
	d.started_ms = util_now_ms();			/* ctl*.c */

	dpo.pin_root = d.opts.pin_root;
	dpo.maglev_size = d.pol.maglev_size;
	dpo.ct_entries = d.pol.ct_entries;
	dpo.ct_syn_entries = d.pol.ct_syn_entries;
	err = dp_open(&dpo, &d.dp);
	if (err) {
		log_error("data plane: %s", dp_errmsg());
		goto out;
	}
	{
		int possible = libbpf_num_possible_cpus();
		long online = sysconf(_SC_NPROCESSORS_ONLN);
		uint32_t ct, syn;

		dp_ct_sizes(d.dp, &ct, &syn);
		if (ct != d.pol.ct_entries || syn != dp_ct_syn_entries_for(d.pol.ct_syn_entries))
			log_warn("conntrack: the pinned maps hold %u and %u entries (ct, ct_syn), "
				 "the policy asks %u and %u: the pins keep the open flows and "
				 "their size; to resize, stop steerd, remove %s/ct %s/rct %s/ct_syn "
				 "(open connections lose their state) and start it",
				 ct, syn, d.pol.ct_entries, d.pol.ct_syn_entries, dp_pin_root(d.dp),
				 dp_pin_root(d.dp), dp_pin_root(d.dp));
		/* ct_syn is a per-CPU LRU (bpf/steer_maps.h): CPUs that can't come
		 * online hold shares nobody uses */
		if (possible > online)
			log_warn("conntrack: ct_syn's %u entries are split over %d possible CPUs "
				 "(%ld online): %u half-open flows per CPU; raise "
				 "conntrack_syn_entries if that is too few",
				 syn, possible, online, syn / (uint32_t)possible);
	}
	/* ids the data plane knows, before the runtime changes are replayed on
	 * top (the replay makes every id it sees explicit), and again for what
	 * the changes added */
	if (steerd_policy_ids(d.dp, NULL, &d.pol) || steerd_ctl_overlay(&d, &d.pol) ||
	    steerd_policy_ids(d.dp, NULL, &d.pol) || steerd_track_init(&d, NULL, NULL))
		goto out;
	steerd_track_adopt(&d);
	err = engine_planner_new(&d.planner);
	if (err) {
		log_error("planner: %s", strerror(-err));
		goto out;
	}
	if (steerd_planner_adopt(&d))
		goto out;
	d.prober = probe_new(d.pol.probe_timeout_ms, PROBE_MAX_BODY);
	if (!d.prober) {
		log_error("prober: out of memory");
		goto out;
	}
	if (!d.opts.foreground && !d.opts.once) {
		if (daemon(0, 0)) {
			log_error("daemon: %s", strerror(errno));
			goto out;
		}
		if (!use_syslog)
			util_log_init("steerd", level, true);
		if (steerd_lock_again(&d))
			goto out;
	}
	log_info("steerd %s: policy %s (%zu services, %zu tenants, %zu backends), pin root %s",
		 STEERD_VERSION, d.opts.config, d.pol.n_services, d.pol.n_tenants,
		 d.pol.n_backends, dp_pin_root(d.dp));
	/* ---- Prometheus endpoint (metrics/): after daemon(), which drops threads ---- */
	if (!d.opts.once && (!d.opts.metrics || strcmp(d.opts.metrics, "off"))) {
		const char *ma = d.opts.metrics ? d.opts.metrics : METRICS_DEFAULT_ADDR;

		err = metrics_start(ma, &d.metrics);
		if (err && d.opts.metrics) {
			log_error("metrics: can't serve on %s: %s", ma, strerror(-err));
			goto out;
		}
		if (err)
			log_warn("metrics: can't serve on %s: %s; running without /metrics", ma,
				 strerror(-err));
		else
			log_info("metrics: serving http://%s/metrics", ma);
	}
	/* ---- end Prometheus ---- */
	if (!d.opts.once && steerd_ctl_open(&d))	/* ctl*.c: control socket */
		goto out;
	rc = steerd_run(&d) ? 1 : 0;
out:
	metrics_stop(d.metrics); /* metrics/ */
	steerd_ctl_close(&d);	/* ctl*.c */
	probe_free(d.prober);
	engine_planner_free(d.planner);
	steerd_ct_free(&d);
	dp_close(d.dp); /* pins and links stay: the kernel keeps steering */
	policy_free(&d.pol);
	free(d.track);
	free(d.live);
	free(d.targets);
	if (d.sigfd >= 0)
		close(d.sigfd);
	if (d.lock_fd >= 0)
		close(d.lock_fd);
	for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++)
		free(owned[i]);
	return rc;
}
