/* libmnl's attribute walk and accessors, inline, for the parser that
 * runs on every trace event: there each attribute cost libmnl seven
 * calls (ok, next, the message's tail, type, length, payload, value),
 * a tenth of our instructions a packet. They behave as libmnl's do
 * (mnl_attr_ok: the header fits, and its length within what is left);
 * everything else keeps using libmnl. */
#ifndef IPTT_NL_ATTR_H
#define IPTT_NL_ATTR_H

#include <endian.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/netlink.h>
#include <libmnl/libmnl.h>

static inline bool nla_ok(const struct nlattr *a, const char *end)
{
	ptrdiff_t left = end - (const char *)a;

	return left >= (ptrdiff_t)sizeof(*a) && a->nla_len >= sizeof(*a) &&
	       (ptrdiff_t)a->nla_len <= left;
}

static inline const struct nlattr *nla_next(const struct nlattr *a)
{
	return (const struct nlattr *)((const char *)a + NLA_ALIGN(a->nla_len));
}

/* Each attribute in [start, end). */
#define nla_for_each(a, start, end) \
	for ((a) = (const struct nlattr *)(start); nla_ok((a), (end)); \
	     (a) = nla_next(a))

/* Each attribute nested in a (whose length nla_ok checked). */
#define nla_for_each_nested(n, a) \
	nla_for_each((n), (const char *)(a) + NLA_HDRLEN, \
		     (const char *)(a) + (a)->nla_len)

static inline uint16_t nla_type(const struct nlattr *a)
{
	return a->nla_type & NLA_TYPE_MASK;
}

static inline uint16_t nla_len(const struct nlattr *a)
{
	return (uint16_t)(a->nla_len - NLA_HDRLEN);
}

static inline const void *nla_data(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

/* Values in network order, as nf_tables sends them; the caller has
 * checked the size. */
static inline uint32_t nla_be32(const struct nlattr *a)
{
	uint32_t v;

	memcpy(&v, nla_data(a), sizeof(v));
	return be32toh(v);
}

static inline uint64_t nla_be64(const struct nlattr *a)
{
	uint64_t v;

	memcpy(&v, nla_data(a), sizeof(v));
	return be64toh(v);
}

static inline uint8_t nla_u8(const struct nlattr *a)
{
	return *(const uint8_t *)nla_data(a);
}

/* The shape mnl_attr_validate() would check, without its calls: this
 * runs for each attribute of every event, and the callback parse with
 * libmnl's validation was a fifth of our instructions. A string ends
 * in its NUL; a number has its exact size; a header is not empty. */
static inline bool nla_shape_ok(const struct nlattr *a, enum mnl_attr_data_type type)
{
	uint16_t len = nla_len(a);

	switch (type) {
	case MNL_TYPE_NUL_STRING:
		return len && ((const char *)nla_data(a))[len - 1] == '\0';
	case MNL_TYPE_U8: return len == 1;
	case MNL_TYPE_U16: return len == 2;
	case MNL_TYPE_U32: return len == 4;
	case MNL_TYPE_U64: return len == 8;
	case MNL_TYPE_NESTED: return len == 0 || len >= MNL_ATTR_HDRLEN;
	case MNL_TYPE_BINARY: return len > 0;
	default: return false;
	}
}

#endif
