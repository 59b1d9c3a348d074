/*
 * NAME
 *	mtclient_int 3h - what the parts of the milter client share
 * SYNOPSIS
 *	#include "mtclient_int.h"
 * DESCRIPTION
 *	The connection (struct mt_conn), a reply packet, and the packet
 *	layer of mtclient.c that mtclient_msg.c builds the message steps
 *	on. Nothing outside src/mtclient*.c includes this.
 */
#ifndef CLAMSHIM_MTCLIENT_INT_H
#define CLAMSHIM_MTCLIENT_INT_H

#include <stddef.h>
#include <stdint.h>

#include <libmilter/mfdef.h>

#include "mtclient.h"

#define MT_SEND_MAX	MILTER_MAX_DATA_SIZE	/* the longest data the client sends */

/* One connection to a filter. */
struct mt_conn {
	int	fd;
	int	timeout_ms;
	unsigned long actions;		/* what the filter may do */
	unsigned long steps;		/* SMFIP_* the filter asked for */
	int	connected;		/* CONNECT (and HELO) sent */
	int	broken;
	char	chunk[MILTER_CHUNK_SIZE];	/* one body chunk */
};

/* A reply packet. */
struct mt_packet {
	char	cmd;
	char   *data;			/* NUL-terminated copy, len bytes before the NUL */
	size_t	len;
};

/* mt_fail - fill err, mark the connection (if any) broken, return -1 */
int	mt_fail(struct mt_conn *c, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* mt_send - one packet: length, command, data (at most MT_SEND_MAX bytes) */
int	mt_send(struct mt_conn *c, char cmd, const void *data, size_t len,
		char *err, size_t errlen);
/* mt_recv - one reply packet (data malloc'd, NUL-terminated); free pk->data */
int	mt_recv(struct mt_conn *c, struct mt_packet *pk, char *err, size_t errlen);
/* mt_u32 - a big-endian 32-bit number at p */
uint32_t mt_u32(const char *p);

#endif
