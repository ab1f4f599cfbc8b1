// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Packet builder, checksums (RFC 1071) and checksum verifier for the BPF
 * fixtures. Written against the RFCs, byte by byte, sharing no code with
 * the data plane.
 */
#include <stdio.h>
#include <string.h>

#include "pktbuild.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t i;

	/* 16-bit big-endian words; an odd last byte is padded with zero */
	for (i = 0; i + 1 < len; i += 2) {
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
		sum = (sum & 0xffff) + (sum >> 16);
	}
	if (len & 1) {
		sum += (uint32_t)p[len - 1] << 8;
		sum = (sum & 0xffff) + (sum >> 16);
	}
	return sum;
}

uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t inet_csum(const void *data, size_t len)
{
	return csum_fold(csum_add(0, data, len));
}

/* Pseudo-header sum (RFC 793 / RFC 768 for IPv4, RFC 8200 8.1 for IPv6). */
static uint32_t pseudo_sum(int family, const uint8_t *src, const uint8_t *dst, uint8_t proto,
			   uint32_t l4_len)
{
	uint8_t ph[40];
	size_t n;

	if (family == 4) {
		memcpy(ph, src, 4);
		memcpy(ph + 4, dst, 4);
		ph[8] = 0;
		ph[9] = proto;
		put16(ph + 10, (uint16_t)l4_len);
		n = 12;
	} else {
		memcpy(ph, src, 16);
		memcpy(ph + 16, dst, 16);
		put32(ph + 32, l4_len);
		ph[36] = ph[37] = ph[38] = 0;
		ph[39] = proto;
		n = 40;
	}
	return csum_add(0, ph, n);
}

static size_t ext_len(uint8_t type)
{
	switch (type) {
	case NH_HOPOPTS:
		return 8;
	case NH_ROUTING:
		return 24;
	case NH_FRAGMENT:
		return 8;
	case NH_ESP:
		return 8;
	case NH_AH:
		return 24;
	case NH_DSTOPTS:
		return 16;
	default:
		return 8;
	}
}

/* Write one IPv6 extension header of the given type at p; next is what follows. */
static void put_ext(uint8_t *p, const struct pkt_spec *s, int idx, uint8_t next)
{
	uint8_t type = s->ext[idx];
	size_t n = ext_len(type);

	memset(p, 0, n);
	switch (type) {
	case NH_HOPOPTS:
	case NH_DSTOPTS:
		p[0] = next;
		p[1] = (uint8_t)(n / 8 - 1);
		p[2] = 1; /* PadN */
		p[3] = (uint8_t)(n - 4);
		break;
	case NH_ROUTING:
		p[0] = next;
		p[1] = (uint8_t)(n / 8 - 1);
		/*
		 * experimental type (RFC 4727) with segments left 0: ignored by
		 * the receiver, dst is the final destination (RFC 8200 4.4)
		 */
		p[2] = 253;
		p[3] = 0;
		memset(p + 8, 0x5a, n - 8);
		break;
	case NH_FRAGMENT:
		p[0] = next;
		put16(p + 2, (uint16_t)(s->frag6_off << 3 | (s->frag6_more ? 1 : 0)));
		put32(p + 4, 0x5eed0000u + (uint32_t)idx);
		break;
	case NH_AH:
		p[0] = next;
		p[1] = (uint8_t)(n / 4 - 2);
		put32(p + 4, 0x100 + (uint32_t)idx); /* SPI */
		put32(p + 8, 1);		     /* sequence */
		memset(p + 12, 0xa5, n - 12);	     /* ICV */
		break;
	case NH_ESP:
		put32(p, 0x200 + (uint32_t)idx);
		put32(p + 4, 1);
		break;
	default:
		p[0] = next;
		break;
	}
}

size_t pkt_build(const struct pkt_spec *s, uint8_t *buf, size_t cap, struct pkt_layout *lay)
{
	struct pkt_layout l;
	size_t off = 0, l4_len, need, i;
	uint8_t nh, *ip, *l4;
	unsigned int ihl;

	memset(&l, 0, sizeof(l));
	need = 14 + 4 * 2 + 60 + 40 + 24 * PKT_EXT_MAX + 60 + (size_t)s->payload_len;
	if (need > cap)
		return 0;
	memset(buf, 0, need);

	memcpy(buf, s->dmac, 6);
	memcpy(buf + 6, s->smac, 6);
	off = 12;
	for (i = 0; i < s->nvlan && i < 2; i++) {
		put16(buf + off, s->vlan[i].tpid ? s->vlan[i].tpid : ETHERTYPE_VLAN);
		put16(buf + off + 2, s->vlan[i].tci);
		off += 4;
	}
	if (s->ethertype)
		put16(buf + off, s->ethertype);
	else
		put16(buf + off, s->family == 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4);
	off += 2;
	l.l3_off = off;

	if (s->ethertype) {
		/* raw frame (ARP, ...): the payload right after the L2 header */
		for (i = 0; i < s->payload_len; i++)
			buf[off + i] = s->payload ? s->payload[i] : (uint8_t)(i * 7 + 3);
		off += s->payload_len;
		l.l4_off = l.pay_off = l.l3_off;
		l.len = off;
		if (lay)
			*lay = l;
		return off;
	}

	ip = buf + off;
	if (s->family == 4) {
		ihl = 5u + (s->ip_opt_words > 10 ? 10u : s->ip_opt_words);
		ip[0] = (uint8_t)(0x40 | ihl);
		ip[1] = s->tos;
		put16(ip + 4, s->ip_id);
		put16(ip + 6, s->frag);
		ip[8] = s->ttl ? s->ttl : 64;
		ip[9] = s->proto;
		memcpy(ip + 12, s->src, 4);
		memcpy(ip + 16, s->dst, 4);
		if (ihl > 5) {
			uint8_t *o = ip + 20;
			size_t olen = (ihl - 5) * 4;

			/* router alert (RFC 2113), then NOPs, ending with EOL */
			o[0] = 148;
			o[1] = 4;
			o[2] = 0;
			o[3] = 0;
			for (i = 4; i < olen; i++)
				o[i] = 1;
			if (olen > 4)
				o[olen - 1] = 0;
		}
		off += ihl * 4;
	} else {
		ip[0] = 0x60 | (s->tos >> 4);
		ip[1] = (uint8_t)(s->tos << 4);
		ip[6] = s->n_ext ? s->ext[0] : s->proto;
		ip[7] = s->ttl ? s->ttl : 64;
		memcpy(ip + 8, s->src, 16);
		memcpy(ip + 24, s->dst, 16);
		off += 40;
		for (i = 0; i < s->n_ext && i < PKT_EXT_MAX; i++) {
			nh = (i + 1 < s->n_ext) ? s->ext[i + 1] : s->proto;
			l.ext_off[i] = off;
			put_ext(buf + off, s, (int)i, nh);
			off += ext_len(s->ext[i]);
		}
	}

	l.l4_off = off;
	l4 = buf + off;
	switch (s->proto) {
	case PROTO_TCP: {
		unsigned int ow = s->tcp_opt_words > 10 ? 10 : s->tcp_opt_words;

		put16(l4, s->sport);
		put16(l4 + 2, s->dport);
		put32(l4 + 4, s->seq);
		put32(l4 + 8, s->ack);
		l4[12] = (uint8_t)((5 + ow) << 4);
		l4[13] = s->tcp_flags;
		put16(l4 + 14, s->win ? s->win : 65535);
		if (ow) {
			uint8_t *o = l4 + 20;

			/* MSS 1460, then SACK permitted, then NOPs */
			o[0] = 2;
			o[1] = 4;
			put16(o + 2, s->mss ? s->mss : 1460);
			for (i = 4; i < ow * 4; i++)
				o[i] = 1;
			if (ow >= 2) {
				o[6] = 4;
				o[7] = 2;
			}
		}
		off += 20 + ow * 4;
		break;
	}
	case PROTO_UDP:
		put16(l4, s->sport);
		put16(l4 + 2, s->dport);
		off += 8;
		break;
	case PROTO_ICMP:
	case PROTO_ICMPV6:
		l4[0] = s->proto == PROTO_ICMP ? 8 : 128; /* echo request */
		put16(l4 + 4, s->sport);
		put16(l4 + 6, 1);
		off += 8;
		break;
	default:
		break;
	}
	l.pay_off = off;
	for (i = 0; i < s->payload_len; i++)
		buf[off + i] = s->payload ? s->payload[i] : (uint8_t)(i * 7 + 3);
	off += s->payload_len;
	l.len = off;

	/* lengths */
	l4_len = off - l.l4_off;
	if (s->family == 4) {
		put16(ip + 2, (uint16_t)(off - l.l3_off));
		put16(ip + 10, 0);
		put16(ip + 10, inet_csum(ip, (ip[0] & 0xf) * 4u));
	} else {
		put16(ip + 4, (uint16_t)(off - l.l3_off - 40));
	}
	if (s->proto == PROTO_UDP)
		put16(l4 + 4, (uint16_t)l4_len);

	/* L4 checksum (only over a complete, unfragmented datagram) */
	switch (s->proto) {
	case PROTO_TCP:
	case PROTO_UDP:
	case PROTO_ICMPV6: {
		size_t coff = s->proto == PROTO_TCP ? 16 : (s->proto == PROTO_UDP ? 6 : 2);
		uint32_t sum;
		uint16_t c;

		if (s->proto == PROTO_ICMPV6 && s->family != 6)
			break;
		if (s->proto == PROTO_UDP && s->udp_csum_zero)
			break;
		sum = pseudo_sum(s->family, s->src, s->dst, s->proto, (uint32_t)l4_len);
		sum = csum_add(sum, l4, l4_len);
		c = csum_fold(sum);
		if (s->proto == PROTO_UDP && c == 0)
			c = 0xffff; /* RFC 768: 0 means "no checksum" */
		put16(l4 + coff, c);
		break;
	}
	case PROTO_ICMP:
		if (s->family == 4)
			put16(l4 + 2, inet_csum(l4, l4_len));
		break;
	default:
		break;
	}

	if (lay)
		*lay = l;
	return off;
}

size_t pkt_icmp_error(const uint8_t *in, const struct pkt_layout *lay, const uint8_t *dmac,
		      const uint8_t *smac, const uint8_t *src, uint8_t type, uint8_t code,
		      uint32_t rest, uint8_t *out, size_t cap)
{
	const uint8_t *ip = in + lay->l3_off;
	size_t l3 = lay->l3_off, quote = lay->l4_off + 8 - lay->l3_off, hl, n;
	int v6 = (ip[0] >> 4) == 6;
	uint8_t *oip = out + l3, *ic;
	uint32_t sum;

	hl = v6 ? 40 : 20;
	n = l3 + hl + 8 + quote;
	if (n > cap)
		return 0;
	memcpy(out, in, l3); /* Ethernet and tags */
	memcpy(out, dmac, 6);
	memcpy(out + 6, smac, 6);
	memset(oip, 0, hl + 8);
	ic = oip + hl;
	if (v6) {
		oip[0] = 0x60;
		put16(oip + 4, (uint16_t)(8 + quote));
		oip[6] = PROTO_ICMPV6;
		oip[7] = 64;
		memcpy(oip + 8, src, 16);
		memcpy(oip + 24, ip + 8, 16); /* to the frame's source */
	} else {
		oip[0] = 0x45;
		oip[1] = 0xc0;
		put16(oip + 2, (uint16_t)(20 + 8 + quote));
		oip[8] = 64;
		oip[9] = PROTO_ICMP;
		memcpy(oip + 12, src, 4);
		memcpy(oip + 16, ip + 12, 4);
		put16(oip + 10, inet_csum(oip, 20));
	}
	ic[0] = type;
	ic[1] = code;
	put32(ic + 4, rest);
	memcpy(ic + 8, ip, quote);
	if (v6) {
		sum = pseudo_sum(6, oip + 8, oip + 24, PROTO_ICMPV6, (uint32_t)(8 + quote));
		put16(ic + 2, csum_fold(csum_add(sum, ic, 8 + quote)));
	} else {
		put16(ic + 2, inet_csum(ic, 8 + quote));
	}
	return n;
}

void pkt_fix_ip4_csum(uint8_t *pkt, const struct pkt_layout *lay)
{
	uint8_t *ip = pkt + lay->l3_off;
	unsigned int hl = (ip[0] & 0xf) * 4u;

	if (hl < 20)
		hl = 20;
	put16(ip + 10, 0);
	put16(ip + 10, inet_csum(ip, hl));
}

bool pkt_verify_csums(const uint8_t *pkt, size_t len, char *why, size_t whylen)
{
	size_t off = 12, l3, l4, l4_len, end;
	uint16_t et;
	uint8_t proto;
	int family, n;

	why[0] = 0;
	if (len < 14)
		return true;
	et = get16(pkt + off);
	for (n = 0; n < 2 && (et == ETHERTYPE_VLAN || et == ETHERTYPE_QINQ); n++) {
		off += 4;
		if (off + 2 > len)
			return true;
		et = get16(pkt + off);
	}
	off += 2;
	l3 = off;
	if (et == ETHERTYPE_IPV4) {
		unsigned int hl;

		if (l3 + 20 > len)
			return true;
		hl = (pkt[l3] & 0xf) * 4u;
		if (hl < 20 || l3 + hl > len)
			return true;
		if (inet_csum(pkt + l3, hl) != 0) {
			snprintf(why, whylen, "IPv4 header checksum 0x%04x invalid",
				 get16(pkt + l3 + 10));
			return false;
		}
		if (get16(pkt + l3 + 6) & 0x3fff)
			return true; /* fragment: no L4 check */
		end = l3 + get16(pkt + l3 + 2);
		if (end > len)
			end = len;
		family = 4;
		proto = pkt[l3 + 9];
		l4 = l3 + hl;
	} else if (et == ETHERTYPE_IPV6) {
		if (l3 + 40 > len)
			return true;
		end = l3 + 40 + get16(pkt + l3 + 4);
		if (end > len)
			end = len;
		family = 6;
		proto = pkt[l3 + 6];
		l4 = l3 + 40;
		for (n = 0; n < 16; n++) {
			if (proto == NH_HOPOPTS || proto == NH_ROUTING || proto == NH_DSTOPTS) {
				if (l4 + 2 > end)
					return true;
				proto = pkt[l4];
				l4 += (pkt[l4 + 1] + 1u) * 8;
			} else if (proto == NH_AH) {
				if (l4 + 2 > end)
					return true;
				proto = pkt[l4];
				l4 += (pkt[l4 + 1] + 2u) * 4;
			} else if (proto == NH_FRAGMENT || proto == NH_ESP) {
				return true;
			} else {
				break;
			}
		}
	} else {
		return true;
	}
	if (l4 > end)
		return true;
	l4_len = end - l4;
	if (proto == PROTO_ICMP && family == 4 && l4_len >= 8) {
		const uint8_t *q = pkt + l4 + 8;

		if (inet_csum(pkt + l4, l4_len) != 0) {
			snprintf(why, whylen, "ICMP checksum 0x%04x invalid", get16(pkt + l4 + 2));
			return false;
		}
		/* an error's quoted IPv4 header must be valid too */
		if ((pkt[l4] == 3 || pkt[l4] == 11 || pkt[l4] == 12) && l4_len >= 28 &&
		    (q[0] >> 4) == 4 && (q[0] & 0xf) * 4u <= l4_len - 8 &&
		    inet_csum(q, (q[0] & 0xf) * 4u) != 0) {
			snprintf(why, whylen, "quoted IPv4 header checksum 0x%04x invalid",
				 get16(q + 10));
			return false;
		}
		return true;
	}
	if (proto == PROTO_ICMPV6 && family == 6 && l4_len >= 8) {
		uint32_t sum = pseudo_sum(6, pkt + l3 + 8, pkt + l3 + 24, PROTO_ICMPV6,
					  (uint32_t)l4_len);

		if (csum_fold(csum_add(sum, pkt + l4, l4_len)) != 0) {
			snprintf(why, whylen, "ICMPv6 checksum 0x%04x invalid", get16(pkt + l4 + 2));
			return false;
		}
		return true;
	}
	if (proto == PROTO_TCP || proto == PROTO_UDP) {
		uint32_t sum;
		const uint8_t *src = pkt + l3 + (family == 4 ? 12 : 8);
		const uint8_t *dst = pkt + l3 + (family == 4 ? 16 : 24);

		if ((proto == PROTO_TCP && l4_len < 20) || (proto == PROTO_UDP && l4_len < 8))
			return true;
		if (proto == PROTO_UDP && get16(pkt + l4 + 6) == 0) {
			if (family == 4)
				return true;
			snprintf(why, whylen, "IPv6 UDP checksum is 0");
			return false;
		}
		sum = pseudo_sum(family, src, dst, proto, (uint32_t)l4_len);
		sum = csum_add(sum, pkt + l4, l4_len);
		if (csum_fold(sum) != 0) {
			snprintf(why, whylen, "%s checksum 0x%04x invalid (residue 0x%04x)",
				 proto == PROTO_TCP ? "TCP" : "UDP",
				 get16(pkt + l4 + (proto == PROTO_TCP ? 16 : 6)), csum_fold(sum));
			return false;
		}
	}
	return true;
}

static void fix_ip_len(uint8_t *pkt, size_t len, const struct pkt_layout *lay)
{
	uint8_t *ip = pkt + lay->l3_off;

	if ((ip[0] >> 4) == 4) {
		put16(ip + 2, (uint16_t)(len - lay->l3_off));
		pkt_fix_ip4_csum(pkt, lay);
	} else {
		put16(ip + 4, (uint16_t)(len - lay->l3_off - 40));
	}
}

size_t pkt_mangle(uint8_t *pkt, size_t len, const struct pkt_layout *lay, enum pkt_mangle_op op,
		  unsigned int arg)
{
	uint8_t *ip = pkt + lay->l3_off;

	switch (op) {
	case MANGLE_NONE:
		break;
	case MANGLE_TRUNC:
		if (arg < len)
			len = arg;
		break;
	case MANGLE_TRUNC_L3:
		if (lay->l3_off + arg < len)
			len = lay->l3_off + arg;
		break;
	case MANGLE_TRUNC_L3_FIX:
		if (lay->l3_off + arg < len)
			len = lay->l3_off + arg;
		fix_ip_len(pkt, len, lay);
		break;
	case MANGLE_TRUNC_L4_FIX:
		if (lay->l4_off + arg < len)
			len = lay->l4_off + arg;
		fix_ip_len(pkt, len, lay);
		break;
	case MANGLE_IHL:
		ip[0] = (uint8_t)((ip[0] & 0xf0) | (arg & 0xf));
		/* checksum over the 20 fixed bytes: the header is broken anyway */
		put16(ip + 10, 0);
		put16(ip + 10, inet_csum(ip, 20));
		break;
	case MANGLE_VERSION:
		ip[0] = (uint8_t)((ip[0] & 0x0f) | (arg << 4));
		break;
	case MANGLE_IPLEN_ADD:
		if ((ip[0] >> 4) == 4) {
			put16(ip + 2, (uint16_t)(get16(ip + 2) + arg));
			pkt_fix_ip4_csum(pkt, lay);
		} else {
			put16(ip + 4, (uint16_t)(get16(ip + 4) + arg));
		}
		break;
	case MANGLE_IPLEN_SET:
		if ((ip[0] >> 4) == 4) {
			put16(ip + 2, (uint16_t)arg);
			pkt_fix_ip4_csum(pkt, lay);
		} else {
			put16(ip + 4, (uint16_t)arg);
		}
		break;
	case MANGLE_DOFF:
		pkt[lay->l4_off + 12] = (uint8_t)((pkt[lay->l4_off + 12] & 0x0f) | (arg << 4));
		break;
	case MANGLE_EXT_LEN:
		pkt[lay->ext_off[0] + 1] = (uint8_t)arg;
		break;
	case MANGLE_IP4_CSUM:
		put16(ip + 10, (uint16_t)(get16(ip + 10) ^ arg));
		break;
	case MANGLE_L4_CSUM: {
		/* TCP checksum at 16, UDP at 6: the protocol is in the IP header */
		uint8_t proto = (ip[0] >> 4) == 4 ? ip[9] : ip[6];
		uint8_t *c = pkt + lay->l4_off + (proto == PROTO_TCP ? 16 : 6);

		put16(c, (uint16_t)(get16(c) + arg));
		break;
	}
	}
	return len;
}

void pkt_diff_dump(const char *title, const uint8_t *got, size_t got_len, const uint8_t *want,
		   size_t want_len)
{
	size_t n = got_len > want_len ? got_len : want_len, i, j;

	fprintf(stderr, "%s: got %zu bytes, want %zu bytes ([xx] differs)\n", title, got_len,
		want_len);
	for (i = 0; i < n; i += 16) {
		fprintf(stderr, "  %04zx got ", i);
		for (j = i; j < i + 16 && j < n; j++) {
			bool d = j >= got_len || j >= want_len || got[j] != want[j];

			if (j < got_len)
				fprintf(stderr, d ? "[%02x]" : " %02x ", got[j]);
			else
				fprintf(stderr, "[--]");
		}
		fprintf(stderr, "\n       want ");
		for (j = i; j < i + 16 && j < n; j++) {
			if (j < want_len)
				fprintf(stderr, " %02x ", want[j]);
			else
				fprintf(stderr, " -- ");
		}
		fprintf(stderr, "\n");
	}
}
