// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * steerd's event loop: probe rounds every probe interval (libcurl multi,
 * non-blocking), decide + publish after each round and after a reload,
 * signals through a signalfd polled together with the transfers.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "util/util.h"
#include "metrics/metrics.h"
#include "steerd/ctl.h"
#include "steerd/steerd.h"

static const char *xdp_ifname(const struct steerd *d, size_t i)
{
	return i < (size_t)d->opts.n_xdp ? d->opts.xdp[i] : d->pol.xdp_ifaces[i - d->opts.n_xdp];
}

static const char *tc_ifname(const struct steerd *d, size_t i)
{
	return i < (size_t)d->opts.n_tc ? d->opts.tc[i] : d->pol.tc_ifaces[i - d->opts.n_tc];
}

/*
 * Attach to every interface of the flags and the policy. fatal (at start):
 * a failure detaches again what this call attached (interfaces steer held
 * before, from a previous run, keep steering), so a failed start leaves no
 * half-attached data plane; steerd then exits. On a reload failures are
 * logged and the rest stays attached.
 */
static int attach_all(struct steerd *d, bool fatal)
{
	enum dp_xdp_mode mode = d->opts.xdp_generic || d->pol.xdp_generic ? DP_XDP_GENERIC
									      : DP_XDP_NATIVE;
	enum dp_tc_mode tc_mode = d->opts.tc_mode >= 0 ? (enum dp_tc_mode)d->opts.tc_mode
						       : (enum dp_tc_mode)d->pol.tc_mode, used;
	size_t nx = (size_t)d->opts.n_xdp + d->pol.n_xdp_ifaces;
	size_t nt = (size_t)d->opts.n_tc + d->pol.n_tc_ifaces;
	bool fresh_x[2 * POLICY_MAX_IFACES] = { false }, fresh_t[2 * POLICY_MAX_IFACES] = { false };
	size_t i;
	int err, failed = 0;

	if (d->opts.no_attach)
		return 0;
	if (nx + nt == 0) {
		/* the installed policy names none: steer nothing until the operator does */
		log_info("no interfaces: waiting (nothing attached; name them under "
			 "interfaces: in %s and reload)", d->opts.config);
		return 0;
	}
	if (mode == DP_XDP_GENERIC)
		log_warn("generic XDP requested: slower than native, for testing only");
	for (i = 0; i < nx && i < 2 * POLICY_MAX_IFACES; i++) {
		const char *ifn = xdp_ifname(d, i);
		bool was = dp_xdp_attached(d->dp, ifn);

		err = dp_attach_xdp(d->dp, ifn, mode);
		if (err) {
			log_error("attach XDP: %s", dp_errmsg());
			failed = err;
		} else {
			fresh_x[i] = !was;
			log_info("steer_xdp attached to %s", ifn);
		}
	}
	for (i = 0; i < nt && i < 2 * POLICY_MAX_IFACES; i++) {
		const char *ifn = tc_ifname(d, i);
		bool was = dp_tc_attached(d->dp, ifn);

		err = dp_attach_tc_mode(d->dp, ifn, tc_mode, &used);
		if (err) {
			log_error("attach TC: %s", dp_errmsg());
			failed = err;
		} else {
			fresh_t[i] = !was;
			log_info("steer_tc attached to %s (%s%s)", ifn, dp_tc_mode_name(used),
				 tc_mode == DP_TC_AUTO && used == DP_TC_CLSACT
					 ? ": this kernel has no tcx"
					 : "");
		}
	}
	if (!fatal || !failed)
		return 0;
	for (i = 0; i < nx && i < 2 * POLICY_MAX_IFACES; i++)
		if (fresh_x[i] && !dp_detach_xdp(d->dp, xdp_ifname(d, i)))
			log_info("rolled back: steer_xdp detached from %s", xdp_ifname(d, i));
	for (i = 0; i < nt && i < 2 * POLICY_MAX_IFACES; i++)
		if (fresh_t[i] && !dp_detach_tc(d->dp, tc_ifname(d, i)))
			log_info("rolled back: steer_tc detached from %s", tc_ifname(d, i));
	log_error("attach failed: steerd stops; what this start attached is detached again");
	return failed;
}

static void detach_all(struct steerd *d)
{
	size_t i;

	for (i = 0; i < (size_t)d->opts.n_xdp + d->pol.n_xdp_ifaces; i++)
		dp_detach_xdp(d->dp, i < (size_t)d->opts.n_xdp
						   ? d->opts.xdp[i]
						   : d->pol.xdp_ifaces[i - d->opts.n_xdp]);
	for (i = 0; i < (size_t)d->opts.n_tc + d->pol.n_tc_ifaces; i++)
		dp_detach_tc(d->dp, i < (size_t)d->opts.n_tc
						  ? d->opts.tc[i]
						  : d->pol.tc_ifaces[i - d->opts.n_tc]);
	log_info("programs detached");
}

int steerd_reload(struct steerd *d, char *errs, size_t len)
{
	struct policy np;
	int err;

	util_notify_reloading();
	if (steerd_policy_load_errs(d->opts.config, &np, errs, len) < 0) {
		log_error("reload of %s rejected; the running policy stays", d->opts.config);
		metrics_reloaded(d->metrics, false); /* metrics/ */
		util_notify_ready("reload of %s rejected; running the previous policy",
				  d->opts.config);
		return -EINVAL;
	}
	/* ids kept before the replay, which makes every id it sees explicit */
	err = steerd_policy_ids(d->dp, &d->pol, &np);
	if (!err)
		err = steerd_ctl_overlay(d, &np); /* ctl*.c: runtime changes on top of the file */
	if (err) {
		policy_free(&np);
		log_error("reload of %s rejected (%s); the running policy stays", d->opts.config,
			  strerror(-err));
		metrics_reloaded(d->metrics, false); /* metrics/ */
		return err;
	}
	err = steerd_policy_swap(d, &np);
	if (err) {
		log_error("reload: out of memory; the running policy stays");
		return err;
	}
	attach_all(d, false);
	metrics_reloaded(d->metrics, true); /* metrics/ */
	d->status_publishes = (unsigned long)-1; /* STATUS= again at the next publish */
	util_notify_ready("reloaded %s", d->opts.config);
	log_info("reloaded %s: %zu services, %zu tenants, %zu backends", d->opts.config,
		 d->pol.n_services, d->pol.n_tenants, d->pol.n_backends);
	return 0;
}

static size_t n_ifaces(const struct steerd *d)
{
	if (d->opts.no_attach)
		return 0;
	return (size_t)d->opts.n_xdp + d->pol.n_xdp_ifaces + (size_t)d->opts.n_tc +
	       d->pol.n_tc_ifaces;
}

/*
 * systemd (Type=notify): READY=1 after the first publish, so "started"
 * means the tables are in the maps; then a STATUS= line when a publish
 * changed the tables (not every round).
 */
static void notify_published(struct steerd *d)
{
	if (d->publishes == d->status_publishes)
		return;
	d->status_publishes = d->publishes;
	if (!d->notified_ready && !d->publishes)
		return; /* the first publish failed: not ready yet */
	if (!d->opts.no_attach && !n_ifaces(d)) {
		util_notify_ready("no interfaces: waiting (name them in %s and reload)",
				  d->opts.config);
	} else {
		util_notify_ready("steering: %zu services, %zu backends, %zu tenants on %zu "
				  "interfaces; %lu publishes",
				  d->pol.n_services, d->pol.n_backends, d->pol.n_tenants,
				  n_ifaces(d), d->publishes);
	}
	d->notified_ready = true;
}

static int signals_open(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

/* 1: keep going, 0: stop. */
static int handle_signals(struct steerd *d)
{
	struct signalfd_siginfo si;

	while (read(d->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			log_info("SIGHUP: reloading %s", d->opts.config);
			steerd_reload(d, NULL, 0);
		} else {
			log_info("signal %u: stopping; the data plane keeps the last tables%s",
				 si.ssi_signo, d->opts.detach_on_exit ? " (detaching)" : "");
			return 0;
		}
	}
	return 1;
}

int steerd_run(struct steerd *d)
{
	unsigned long round_gen = 0, policy_gen = 0;
	bool in_flight = false;
	int err;

	d->sigfd = signals_open();
	if (d->sigfd < 0) {
		log_error("signalfd: %s", strerror(-d->sigfd));
		return d->sigfd;
	}
	err = attach_all(d, true);
	if (err)
		return err;
	/* caps.c: everything privileged at start is done (maps, programs,
	 * links, sockets); the loop runs with the few capabilities it needs */
	if (!d->opts.keep_caps) {
		err = steerd_caps_drop();
		if (err) {
			log_error("capabilities: can't drop: %s", strerror(-err));
			return err;
		}
	}
	steerd_targets_build(d);
	d->dirty = true;
	d->force = true;

	for (;;) {
		struct curl_waitfd wfd[1 + STEERD_CTL_MAX_FDS] = { { .fd = d->sigfd, .events = CURL_WAIT_POLLIN } };
		unsigned int nwfd = 1 + steerd_ctl_fds(d, wfd + 1, STEERD_CTL_MAX_FDS); /* ctl*.c */
		uint64_t now = util_now_ms();
		unsigned long gen_before = d->publishes;
		bool ctl_changed = false;
		int timeout, ctl_wait;

		if (in_flight && probe_done(d->prober)) {
			size_t n;
			const struct probe_result *r = probe_results(d->prober, &n);

			in_flight = false;
			d->rounds++;
			steerd_ct_round(d); /* conntrack.c: one bounded batch */
			if (round_gen == policy_gen)
				steerd_track_round(d, r, n);
			d->dirty = true;
		}
		if (!in_flight && now >= d->next_round_ms && d->targets) {
			if (!probe_start(d->prober, d->targets, d->pol.n_backends)) {
				in_flight = true;
				round_gen = policy_gen;
			}
			d->next_round_ms = now + d->pol.probe_interval_ms;
		}
		/* the first publish waits for the first round: health known */
		if (d->dirty && (d->rounds > 0 || !d->pol.n_backends)) {
			d->dirty = false;
			steerd_publish(d);
			notify_published(d);
			if (d->opts.once && gen_before != d->publishes)
				break;
		}
		steerd_metrics_update(d); /* metrics_source.c: at most once per round/publish */
		timeout = d->next_round_ms > now ? (int)(d->next_round_ms - now) : 0;
		if (in_flight && timeout > 100)
			timeout = 100;
		/* ctl*.c: a page of each flows job, idle connections closed */
		ctl_wait = steerd_ctl_tick(d, now, &ctl_changed);
		if (ctl_changed)
			policy_gen++;
		if (ctl_wait >= 0 && ctl_wait < timeout)
			timeout = ctl_wait;
		err = probe_poll(d->prober, wfd, nwfd, timeout);
		if (err && err != -EINTR) {
			log_error("probe poll: %s", strerror(-err));
			return err;
		}
		if (wfd[0].revents & CURL_WAIT_POLLIN) {
			unsigned long pubs = d->publishes;

			if (!handle_signals(d))
				break;
			if (d->publishes != pubs || d->dirty)
				policy_gen++;
		}
		if (steerd_ctl_handle(d, wfd + 1, nwfd - 1)) /* ctl*.c */
			policy_gen++; /* the policy changed: results in flight are stale */
	}
	util_notify_stopping();
	if (d->opts.detach_on_exit)
		detach_all(d);
	return 0;
}
