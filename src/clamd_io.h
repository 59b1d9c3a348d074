/*
 * NAME
 *	clamd_io 3h - sockets to a clamd with a monotonic deadline
 * SUMMARY
 *	struct clamd_io_conn, enum clamd_io, clamd_io_address(),
 *	clamd_io_addrinfo(), clamd_io_addr_from(), clamd_io_connect(),
 *	clamd_io_send(), clamd_io_recv_reply(), clamd_io_instream(),
 *	clamd_io_command()
 * DESCRIPTION
 *	Non-blocking connect, send and receive, each bounded by the
 *	connection's deadline (monotonic ms) and by the caller's give-up
 *	test, which is asked every 50 ms while waiting.
 *	Nothing here knows the pool: the caller keeps the state of servers.
 */
#ifndef CLAMSHIM_CLAMD_IO_H
#define CLAMSHIM_CLAMD_IO_H

#include <stddef.h>
#include <stdint.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "clamd_proto.h"
#include "spool.h"

#define CLAMD_ERR_MAX		SCAN_NAME_MAX	/* longest error text kept for a server */

/* One connection: its socket, its deadline and what makes it give up early. */
struct clamd_io_conn {
	int	fd;			/* -1 when not connected */
	int64_t	deadline;		/* monotonic ms */
	int	(*gave_up)(void *arg);	/* 1: stop waiting now; NULL: wait for the deadline */
	void   *arg;
	int	local;			/* socket() or connect() failed for want of resources here */
};

/* How an exchange ended. */
enum clamd_io {
	CLAMD_IO_OK = 0,		/* done (for a reply: the bytes are the parser's to judge) */
	CLAMD_IO_TIMEOUT,		/* the deadline passed */
	CLAMD_IO_ABORT,			/* gave_up said so */
	CLAMD_IO_ERR,			/* send, receive or poll failed (zINSTREAM: a failed send only when no reply came) */
	CLAMD_IO_LOCAL			/* our side failed (reading the spool) */
};

/* clamd_io_address - the socket address of a unix path or numeric host; 0, or -1 with err */
int	clamd_io_address(const struct clamd_spec *cs, struct sockaddr_storage *addr,
			 socklen_t *addrlen, char *err, size_t errlen);
/* clamd_io_addrinfo - the addresses of a tcp spec (DNS unless numeric_only); NULL with err */
struct addrinfo *clamd_io_addrinfo(const struct clamd_spec *cs, int numeric_only, char *err,
				   size_t errlen);
/* clamd_io_addr_from - copy one resolver answer; 0 ok, -1 too long */
int	clamd_io_addr_from(const struct addrinfo *ai, struct sockaddr_storage *addr,
			   socklen_t *addrlen);

/* clamd_io_connect - connect c to addr within connect_ms; 0, or -1 with err (c->local set) */
int	clamd_io_connect(struct clamd_io_conn *c, const struct sockaddr_storage *addr,
			 socklen_t addrlen, int64_t connect_ms, char *err, size_t errlen);
/* clamd_io_send - send the iovecs whole (or until the server speaks first: *early) */
enum clamd_io clamd_io_send(struct clamd_io_conn *c, struct iovec *iov, int iovcnt, int *early,
			    char *err, size_t errlen);
/* clamd_io_recv_reply - read until a NUL, EOF or cap bytes; *len set */
enum clamd_io clamd_io_recv_reply(struct clamd_io_conn *c, char *buf, size_t cap, size_t *len,
				  char *err, size_t errlen);
/* clamd_io_instream - zINSTREAM msg in chunks and read the reply into buf */
enum clamd_io clamd_io_instream(struct clamd_io_conn *c, const struct spool *msg, char *buf,
				size_t cap, size_t *len, char *err, size_t errlen);
/* clamd_io_command - connect, send a z-command, read its reply; 0, -1 with err, -2 local failure */
int	clamd_io_command(struct clamd_io_conn *c, const struct sockaddr_storage *addr,
			 socklen_t addrlen, int64_t connect_ms, int64_t wait_ms, const char *cmd,
			 char *buf, size_t cap, size_t *len, char *err, size_t errlen);

#endif
