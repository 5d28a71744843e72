/* --summary: at exit, the rules the printed packets hit and how often,
 * the chains they crossed, and the rules of those chains none hit. */
#ifndef IPTT_SUMMARY_H
#define IPTT_SUMMARY_H

#include <stdio.h>
#include "story.h"

struct sum_rule;
struct sum_chain;

struct summary {
	unsigned long packets;
	/* how many packets our rules marked, and how many of them never
	 * reached us; -1: not known (set by main.c before printing) */
	long long traced, lost;
	struct sum_rule *rules;
	size_t nrules, cap_rules;
	struct sum_chain *chains;
	size_t nchains, cap_chains;
};

/* Count a printed packet's steps. Returns -1 on ENOMEM. */
int summary_add(struct summary *sm, const struct story *s, struct resolver *r);
/* The tables as text, or as one JSON object {"summary": {...}} on one
 * line. Rules no packet hit are looked up in the current snapshots.
 * Returns -1 when writing failed. */
int summary_print_text(FILE *f, const struct summary *sm, struct resolver *r);
int summary_print_json(FILE *f, const struct summary *sm, struct resolver *r);
void summary_free(struct summary *sm);
/* The chains the packets crossed, named like an event (source, family,
 * table, chain): the i-th, NULL past the last. */
const struct trace_event *summary_chain_key(const struct summary *sm, size_t i);

#endif
