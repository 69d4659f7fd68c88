#!/usr/bin/env python3
"""User-space WAN delay line for kernels without netem: holds each packet the kernel queued to NFQUEUE for a fixed
one-way delay, then lets it through (verdict ACCEPT).

    delayer.py QUEUE:DELAY_MS [QUEUE:DELAY_MS ...]

The entrypoint queues a container's *incoming* packets from each remote region's CIDRs to one queue per region
(iptables -t mangle -A PREROUTING -s CIDR -j NFQUEUE --queue-num N --queue-bypass). Both ends delay what they
receive, so a round trip costs twice the one-way delay. Delaying ingress rather than egress keeps the sender's TCP
stack out of it (an egress queue held the sender's socket buffers and made bulk transfers 100x slower).

It is a delay line, not stop-and-wait: every packet gets its own release time, packets of one queue are released in
arrival order (one delay per queue, so a FIFO is time-ordered), and many packets are in flight at once.

Pure Python over a raw netlink socket (the nfnetlink_queue protocol, linux/netfilter/nfnetlink_queue.h), so the image
needs nothing beyond python3-minimal: no libnetfilter_queue, no compiler. The queue is bound "fail-open": if it ever
fills, the kernel accepts packets undelayed instead of dropping them.
"""
import collections
import os
import select
import signal
import socket
import struct
import sys
import time

NETLINK_NETFILTER = 12
SOL_NETLINK = 270
NETLINK_NO_ENOBUFS = 5
SO_RCVBUFFORCE = 33
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET, NFQNL_MSG_VERDICT, NFQNL_MSG_CONFIG, NFQNL_MSG_VERDICT_BATCH = 0, 1, 2, 3
NFQA_CFG_CMD, NFQA_CFG_PARAMS, NFQA_CFG_QUEUE_MAXLEN, NFQA_CFG_MASK, NFQA_CFG_FLAGS = 1, 2, 3, 4, 5
NFQNL_CFG_CMD_BIND = 1
NFQNL_COPY_META = 1  # packet id and metadata only, no payload copied to user space
NFQA_CFG_F_FAIL_OPEN = 1
NFQA_PACKET_HDR = 1
NFQA_VERDICT_HDR = 2
NF_ACCEPT = 1
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLMSG_ERROR = 2
QUEUE_MAXLEN = 65536  # packets held per queue; at 120 ms that is far beyond what 2 cores can send
RECV_BUFFER = 64 * 1024 * 1024
MAX_DRAIN = 4096  # messages read per wake-up before releasing due packets again


def attr(kind, payload):
    length = 4 + len(payload)
    return struct.pack("=HH", length, kind) + payload + b"\0" * ((4 - length % 4) % 4)


def message(msg_type, queue, attrs, flags=NLM_F_REQUEST):
    body = struct.pack("=BBH", socket.AF_UNSPEC, 0, socket.htons(queue)) + b"".join(attrs)
    return struct.pack("=IHHII", 16 + len(body), (NFNL_SUBSYS_QUEUE << 8) | msg_type, flags, 0, 0) + body


def configure(sock, queue):
    """Binds the queue and sets copy mode, length and fail-open; raises if the kernel refuses."""
    requests = [
        [attr(NFQA_CFG_CMD, struct.pack("!BBH", NFQNL_CFG_CMD_BIND, 0, socket.AF_INET))],
        [attr(NFQA_CFG_PARAMS, struct.pack("!IB", 0, NFQNL_COPY_META))],
        [attr(NFQA_CFG_QUEUE_MAXLEN, struct.pack("!I", QUEUE_MAXLEN))],
        [attr(NFQA_CFG_MASK, struct.pack("!I", NFQA_CFG_F_FAIL_OPEN)),
         attr(NFQA_CFG_FLAGS, struct.pack("!I", NFQA_CFG_F_FAIL_OPEN))],
    ]
    for attrs in requests:
        sock.send(message(NFQNL_MSG_CONFIG, queue, attrs, NLM_F_REQUEST | NLM_F_ACK))
        while True:
            data = sock.recv(65536)
            msg_len, msg_type = struct.unpack_from("=IH", data, 0)
            if msg_type == NLMSG_ERROR:
                (error,) = struct.unpack_from("=i", data, 16)
                if error != 0:
                    raise OSError(-error, "nfqueue config of queue %d: %s" % (queue, os.strerror(-error)))
                break


def packets(data):
    """Yields (queue, packet id) for each packet message in one netlink datagram."""
    offset = 0
    while offset + 16 <= len(data):
        msg_len, msg_type = struct.unpack_from("=IH", data, offset)
        if msg_len < 16:
            return
        if msg_type == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
            (queue,) = struct.unpack_from("!H", data, offset + 18)
            pos, end = offset + 20, offset + msg_len
            while pos + 4 <= end:
                length, kind = struct.unpack_from("=HH", data, pos)
                if length < 4:
                    break
                if kind & 0x3FFF == NFQA_PACKET_HDR:
                    (packet_id,) = struct.unpack_from("!I", data, pos + 4)
                    yield queue, packet_id
                    break
                pos += (length + 3) & ~3
        offset += (msg_len + 3) & ~3


def main(args):
    delays = {}
    for spec in args:
        queue, _, millis = spec.partition(":")
        delays[int(queue)] = float(millis) / 1000.0
    if not delays:
        sys.exit("usage: delayer.py QUEUE:DELAY_MS [QUEUE:DELAY_MS ...]")
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    sock.bind((0, 0))
    sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, RECV_BUFFER)
    sock.setsockopt(SOL_NETLINK, NETLINK_NO_ENOBUFS, 1)
    for queue in delays:
        configure(sock, queue)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("delayer: holding " + ", ".join("queue %d %g ms" % (q, d * 1000) for q, d in sorted(delays.items())),
          flush=True)
    held = {queue: collections.deque() for queue in delays}  # (release time, packet id), oldest first
    sock.setblocking(False)
    while True:
        now = time.monotonic()
        for queue, line in held.items():
            last = None
            while line and line[0][0] <= now:
                last = line.popleft()[1]
            if last is not None:
                # One batch verdict accepts every packet of the queue up to this id: they are exactly the ones
                # released (ids rise in arrival order and the delay is the same for all).
                sock.send(message(NFQNL_MSG_VERDICT_BATCH, queue,
                                  [attr(NFQA_VERDICT_HDR, struct.pack("!II", NF_ACCEPT, last))]))
        due = [line[0][0] for line in held.values() if line]
        timeout = max(0.0, min(due) - time.monotonic()) if due else None
        readable, _, _ = select.select([sock], [], [], timeout)
        if not readable:
            continue
        arrived = time.monotonic()
        for _ in range(MAX_DRAIN):
            try:
                data = sock.recv(65536)
            except BlockingIOError:
                break
            for queue, packet_id in packets(data):
                line = held.get(queue)
                if line is not None:
                    line.append((arrived + delays[queue], packet_id))


if __name__ == "__main__":
    main(sys.argv[1:])
